import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../../util/errors';
import { computeCaseMetrics } from './caseMetrics';
import { mapClass, type ClassMapping } from './classMapping';
import { LabelValueError } from './confusion';
import { checkSameGrid, labelTableOf, readLabelFile, type LabelFile } from './labelFile';
import type { Problem } from './problems';
import type { CaseMetrics, HdMode, LabelArray } from './types';

/** How a method stores its prediction of one case. */
export type PredSource =
  | { format: 'labelmap'; file: string }
  /** TotalSegmentator's default output: a folder with one binary `<class>.nii.gz` per class. */
  | { format: 'totalsegmentator'; dir: string; mapping: ClassMapping }
  /** TotalSegmentator --ml: one label map whose value names are in a header extension. */
  | { format: 'totalsegmentator-ml'; file: string; mapping: ClassMapping };

/** One case of one method: plain data, so it can be posted to a worker thread. */
export interface CaseJob {
  caseId: string;
  method?: string;
  refFile: string;
  pred: PredSource;
  labels?: number[];
  /** value -> name of the dataset (for messages and the missing-class check); undefined: no dataset.json. */
  names?: Record<string, string>;
  ignoreLabel?: number;
  hdMode?: HdMode;
  distances?: boolean;
}

export interface CaseResult {
  caseId: string;
  method?: string;
  refFile: string;
  predFile: string;
  /** Absent when the case could not be evaluated (unreadable, other grid); the reason is in problems. */
  metrics?: CaseMetrics;
  problems: Problem[];
  seconds: number;
}

export function predFileOf(p: PredSource): string {
  return p.format === 'totalsegmentator' ? p.dir : p.file;
}

const niftiName = /\.nii(\.gz)?$/i;

function labelName(job: CaseJob, v: number): string {
  const n = job.names?.[String(v)];
  return n === undefined ? `label ${v}` : `'${n}' (${v})`;
}

/** Reads the reference and the prediction (any format), checks the grid and computes the metrics. */
export async function runCaseJob(job: CaseJob): Promise<CaseResult> {
  const t0 = performance.now();
  const predFile = predFileOf(job.pred);
  const problems: Problem[] = [];
  const base = { case: job.caseId, method: job.method };
  const done = (metrics?: CaseMetrics): CaseResult => ({ caseId: job.caseId, method: job.method, refFile: job.refFile, predFile, metrics, problems, seconds: (performance.now() - t0) / 1000 });
  let ref: LabelFile;
  let pred: { data: LabelArray; file: LabelFile };
  try {
    ref = await readLabelFile(job.refFile);
  } catch (e) {
    problems.push({ ...base, kind: 'unreadable', file: job.refFile, message: errorMessage(e) });
    return done();
  }
  try {
    pred = await readPrediction(job, ref, problems);
  } catch (e) {
    problems.push({ ...base, kind: (e as { code?: string }).code === 'EGRID' ? 'grid-mismatch' : 'unreadable', file: predFile, message: errorMessage(e) });
    return done();
  }
  let metrics: CaseMetrics;
  try {
    metrics = computeCaseMetrics(ref.data, pred.data, ref.shape, ref.spacing, { labels: job.labels, hdMode: job.hdMode, distances: job.distances, ignoreLabel: job.ignoreLabel });
  } catch (e) {
    const file = e instanceof LabelValueError ? (e.which === 'ref' ? job.refFile : predFile) : predFile;
    problems.push({ ...base, kind: 'unreadable', file, message: `${file} ${errorMessage(e).replace(/\.$/, '')}.` });
    return done();
  }
  if (job.names) unknownLabels(job, ref.data, job.refFile, problems);
  if (job.names && job.pred.format === 'labelmap') unknownLabels(job, pred.data, predFile, problems);
  return done(metrics);
}

function unknownLabels(job: CaseJob, data: LabelArray, file: string, problems: Problem[]): void {
  const seen = new Set<number>();
  let prev = Number.NaN;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === prev) continue;
    prev = v;
    seen.add(v);
  }
  const unknown = [...seen].filter((v) => job.names![String(v)] === undefined).sort((a, b) => a - b);
  if (unknown.length) {
    problems.push({
      kind: 'unknown-label',
      case: job.caseId,
      method: job.method,
      file,
      message: `${file} contains label value${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, not in dataset.json (they count as background).`,
    });
  }
}

async function readPrediction(job: CaseJob, ref: LabelFile, problems: Problem[]): Promise<{ data: LabelArray; file: LabelFile }> {
  const p = job.pred;
  const base = { case: job.caseId, method: job.method };
  if (p.format === 'labelmap') {
    const f = await readLabelFile(p.file);
    checkSameGrid(ref, f);
    return { data: f.data, file: f };
  }
  if (p.format === 'totalsegmentator-ml') {
    const f = await readLabelFile(p.file);
    checkSameGrid(ref, f);
    const table = labelTableOf(f.volume.header);
    if (!table) throw Object.assign(new Error(`${p.file} has no label-name table in its header extensions (TotalSegmentator --ml writes one); evaluate it as format labelmap instead`), { code: 'ENOTABLE' });
    const lut = new Map<number, number>();
    const unmapped: string[] = [];
    const mappedLabels = new Set<number>();
    for (const [value, name] of table) {
      const label = mapClass(p.mapping, name);
      if (label === undefined) unmapped.push(name);
      if (typeof label === 'number') {
        lut.set(value, label);
        mappedLabels.add(label);
      }
    }
    if (unmapped.length) problems.push({ ...base, kind: 'unmapped-class', file: p.file, message: `${p.file}: ${unmapped.length} class${unmapped.length > 1 ? 'es' : ''} map to no dataset label and count as background: ${unmapped.join(', ')}.` });
    missingClasses(job, mappedLabels, p.file, problems);
    const out = new Uint16Array(f.data.length);
    const src = f.data;
    let prev = Number.NaN;
    let mapped = 0;
    const foreign = new Set<number>();
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (v !== prev) {
        prev = v;
        const m = lut.get(v);
        mapped = m ?? 0;
        if (m === undefined && v !== 0 && !table.has(v)) foreign.add(v);
      }
      out[i] = mapped;
    }
    if (foreign.size) problems.push({ ...base, kind: 'unknown-label', file: p.file, message: `${p.file} contains value${foreign.size > 1 ? 's' : ''} ${[...foreign].sort((a, b) => a - b).join(', ')} that its label table does not name (counted as background).` });
    return { data: out, file: f };
  }
  // One binary mask per class in a folder.
  let entries: string[];
  try {
    entries = fs.readdirSync(p.dir).filter((n) => niftiName.test(n)).sort();
  } catch (e) {
    throw new Error(`${p.dir} cannot be listed (${errorMessage(e)})`);
  }
  const out = new Uint16Array(ref.data.length);
  const unmapped: string[] = [];
  const mappedLabels = new Set<number>();
  let overlaps = 0;
  for (const name of entries) {
    const cls = name.replace(niftiName, '');
    const label = mapClass(p.mapping, cls);
    if (label === undefined) unmapped.push(cls);
    if (typeof label !== 'number') continue;
    const file = path.join(p.dir, name);
    const m = await readLabelFile(file);
    checkSameGrid(ref, m);
    mappedLabels.add(label);
    const d = m.data;
    for (let i = 0; i < d.length; i++) {
      if (d[i] !== 0) {
        if (out[i] !== 0 && out[i] !== label) overlaps++;
        out[i] = label;
      }
    }
  }
  if (entries.length === 0) problems.push({ ...base, kind: 'missing-class', file: p.dir, message: `${p.dir} holds no .nii.gz class files; every label counts as empty.` });
  if (unmapped.length) problems.push({ ...base, kind: 'unmapped-class', file: p.dir, message: `${p.dir}: ${unmapped.length} class file${unmapped.length > 1 ? 's' : ''} map to no dataset label and were not used: ${unmapped.join(', ')}.` });
  if (overlaps) problems.push({ ...base, kind: 'overlapping-classes', file: p.dir, message: `${p.dir}: ${overlaps} voxels belong to more than one class; the class later in name order wins.` });
  if (entries.length) missingClasses(job, mappedLabels, p.dir, problems);
  return { data: out, file: ref };
}

/** Dataset labels that no class of this prediction maps to: they count as empty predictions. */
function missingClasses(job: CaseJob, mapped: Set<number>, where: string, problems: Problem[]): void {
  if (!job.labels) return;
  const missing = job.labels.filter((l) => !mapped.has(l));
  if (missing.length) {
    problems.push({
      kind: 'missing-class',
      case: job.caseId,
      method: job.method,
      file: where,
      message: `${where} has no class for ${missing.length} dataset label${missing.length > 1 ? 's' : ''} (counted as empty predictions): ${missing.map((l) => labelName(job, l)).join(', ')}.`,
    });
  }
}
