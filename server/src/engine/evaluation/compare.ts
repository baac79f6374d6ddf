import * as path from 'node:path';
import { readNiftiHeader } from '../io';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic';
import { errorMessage, NnsegError } from '../../util/errors';
import type { JobContext } from '../../jobs/context';
import type { CaseJob, CaseResult, PredSource } from './caseJob';
import { completeLabels, FolderError, labelsSeen, listCaseFiles, listCaseFolders } from './cases';
import { buildClassMapping } from './classMapping';
import { buildComparison, type ComparisonReport } from './comparison';
import { datasetFromTable, readDatasetLabels, type DatasetLabels } from './dataset';
import { labelTableOf } from './labelFile';
import { defaultWorkers, runCaseJobs } from './pool';
import type { Problem } from './problems';
import { reportHtml } from './report/html';
import { reportMarkdown } from './report/markdown';
import { buildSummary } from './summary';
import type { HdMode } from './types';

export type PredFormat = 'labelmap' | 'totalsegmentator' | 'totalsegmentator-ml';
export const predFormats: PredFormat[] = ['labelmap', 'totalsegmentator', 'totalsegmentator-ml'];

export interface MethodSpec {
  name: string;
  dir: string;
  format: PredFormat;
}

export interface CompareOptions {
  /** Folder of reference label maps (CASE.nii.gz). */
  ref: string;
  methods: MethodSpec[];
  /** Dataset labels and names; default: the label table in the reference files' header, else the values found. */
  datasetJson?: string;
  /** JSON {"<class name>": label value | dataset label name | null} for the TotalSegmentator formats. */
  mapping?: string;
  /** Output folder for report.html, report.md, report.json and summaries/<method>.json. */
  out: string;
  labels?: number[];
  hdMode?: HdMode;
  workers?: number;
  title?: string;
}

export interface CompareResult {
  reportHtml: string;
  reportMd: string;
  reportJson: string;
  /** summaries/<method>.json, nnU-Net's summary.json layout. */
  summaries: Record<string, string>;
  problems: Problem[];
  report: ComparisonReport;
}

export class CompareError extends NnsegError {}

/** Parses `NAME=DIR[:FORMAT]` (FORMAT defaults to labelmap). */
export function parseMethodSpec(text: string): MethodSpec {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CompareError(`--pred '${text}' must be NAME=DIR or NAME=DIR:FORMAT (FORMAT: ${predFormats.join(', ')}).`);
  const name = text.slice(0, eq);
  let dir = text.slice(eq + 1);
  let format: PredFormat = 'labelmap';
  const colon = dir.lastIndexOf(':');
  if (colon >= 0) {
    const tail = dir.slice(colon + 1);
    if ((predFormats as string[]).includes(tail)) {
      format = tail as PredFormat;
      dir = dir.slice(0, colon);
    } else if (colon > 1 && /^[A-Za-z-]+$/.test(tail)) {
      throw new CompareError(`--pred '${text}': unknown format '${tail}' (use ${predFormats.join(', ')}).`);
    }
  }
  if (!dir) throw new CompareError(`--pred '${text}' names no folder.`);
  return { name, dir, format };
}

async function datasetFor(opts: CompareOptions, refs: Map<string, string>): Promise<DatasetLabels | undefined> {
  if (opts.datasetJson) return readDatasetLabels(opts.datasetJson);
  for (const file of refs.values()) {
    const table = labelTableOf(await readNiftiHeader(file));
    if (table) return datasetFromTable(table, file);
    break; // only the first reference is looked at: they share one label scheme
  }
  return undefined;
}

/**
 * Compares several methods' predictions against one reference folder, like the paper's Table 1: metrics
 * per case and label for each method (worker threads), then mean ± std per method, Wilcoxon tests between
 * methods, box plots, per-label tables. Writes report.html / report.md / report.json and a summary.json per
 * method into `out`. Missing cases and classes, other grids and unknown labels are listed as problems, and
 * whatever could be computed is still reported.
 */
export async function compareMethods(opts: CompareOptions, ctx?: JobContext): Promise<CompareResult> {
  if (!opts.methods.length) throw new CompareError('nnseg compare needs at least one --pred NAME=DIR[:FORMAT].');
  const seen = new Set<string>();
  for (const m of opts.methods) {
    if (seen.has(m.name)) throw new CompareError(`Two methods are named '${m.name}'; give each --pred a distinct NAME.`);
    seen.add(m.name);
  }
  const refs = listCaseFiles(opts.ref);
  if (refs.size === 0) throw new FolderError(opts.ref, 'holds no reference label maps (.nii.gz or .nii)');
  const dataset = await datasetFor(opts, refs);
  const labels = opts.labels ?? dataset?.labels;
  const names = dataset?.names ?? {};
  const needsMapping = opts.methods.some((m) => m.format !== 'labelmap');
  if (needsMapping && !dataset && !opts.mapping) {
    throw new CompareError(`The TotalSegmentator formats map class names to dataset labels: pass --dataset-json or --mapping (the references in ${opts.ref} carry no label names).`);
  }
  const mapping = needsMapping ? buildClassMapping(names, opts.mapping) : undefined;
  const hdMode = opts.hdMode ?? 'max';
  const problems: Problem[] = [];
  const jobs: CaseJob[] = [];
  for (const m of opts.methods) {
    let cases: Map<string, string>;
    try {
      cases = m.format === 'totalsegmentator' ? listCaseFolders(m.dir) : listCaseFiles(m.dir);
    } catch (e) {
      // one unreadable method folder does not stop the others
      problems.push({ kind: 'unreadable', method: m.name, file: m.dir, message: `${m.name}: ${errorMessage(e)}` });
      continue;
    }
    if (cases.size === 0) problems.push({ kind: 'missing-prediction', method: m.name, file: m.dir, message: `${m.dir} (${m.name}) holds no ${m.format === 'totalsegmentator' ? 'case folders' : 'label maps'}.` });
    for (const [id, refFile] of refs) {
      const p = cases.get(id);
      if (!p) {
        if (cases.size) problems.push({ kind: 'missing-prediction', case: id, method: m.name, file: refFile, message: `${m.name}: ${refFile} has no prediction in ${m.dir}.` });
        continue;
      }
      const pred: PredSource = m.format === 'labelmap' ? { format: 'labelmap', file: p } : m.format === 'totalsegmentator' ? { format: 'totalsegmentator', dir: p, mapping: mapping! } : { format: 'totalsegmentator-ml', file: p, mapping: mapping! };
      jobs.push({ caseId: id, method: m.name, refFile, pred, labels, names: dataset?.names, ignoreLabel: dataset?.ignoreLabel, hdMode });
    }
    for (const [id, p] of cases) if (!refs.has(id)) problems.push({ kind: 'missing-reference', case: id, method: m.name, file: p, message: `${m.name}: ${p} has no reference in ${opts.ref}.` });
  }
  const results = new Map<string, CaseResult[]>(opts.methods.map((m) => [m.name, []]));
  ctx?.progress(0, `case 0/${jobs.length}`);
  await runCaseJobs(jobs, opts.workers ?? defaultWorkers(), ctx, (r, done) => {
    results.get(r.method!)!.push(r);
    for (const p of r.problems) {
      problems.push(p);
      ctx?.log('warn', p.message);
    }
    ctx?.progress(done / jobs.length, `case ${done}/${jobs.length}`);
  });
  const all = [...results.values()].flat();
  const finalLabels = labels ?? labelsSeen(all);
  completeLabels(all, finalLabels);

  const report = buildComparison({
    title: opts.title ?? `Comparison: ${opts.methods.map((m) => m.name).join(' vs ')}`,
    reference: opts.ref,
    hdMode,
    labels: finalLabels,
    names,
    methods: opts.methods,
    results,
    problems,
  });
  const files = {
    reportHtml: path.join(opts.out, 'report.html'),
    reportMd: path.join(opts.out, 'report.md'),
    reportJson: path.join(opts.out, 'report.json'),
  };
  const summaries: Record<string, string> = {};
  for (const m of opts.methods) {
    const file = path.join(opts.out, 'summaries', `${m.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`);
    const own = problems.filter((p) => p.method === m.name);
    await writeJsonAtomic(file, buildSummary(results.get(m.name)!, finalLabels, names, hdMode, own));
    summaries[m.name] = file;
  }
  await writeJsonAtomic(files.reportJson, report);
  await writeFileAtomic(files.reportMd, reportMarkdown(report));
  await writeFileAtomic(files.reportHtml, reportHtml(report));
  return { ...files, summaries, problems, report };
}
