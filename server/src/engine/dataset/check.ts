/**
 * Dataset integrity check (nnU-Net's verify_dataset_integrity, reporting instead of asserting): every
 * problem of the whole dataset in one list, each naming its file. Geometry is compared from headers only;
 * label values and image NaNs need the voxels and can be skipped (`content`) for a quick check.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareGeometry, readNifti, readNiftiHeader, type NiftiHeader } from '../io';
import { channelFilesOf, identifiersInFolder, trainingCases } from './cases';
import { allLabels, channelNames, datasetJsonPath, declaredLabelValues, ignoreLabel, validateDatasetJson, type DatasetJson } from './datasetJson';
import { labelValueProblems } from './labelValues';

export type Severity = 'error' | 'warning';

export interface DatasetProblem {
  file: string;
  message: string;
  severity: Severity;
  /** Stable identifier of the kind of problem (for quick fixes and tests). */
  code:
    | 'dataset-json'
    | 'missing-folder'
    | 'no-cases'
    | 'num-training'
    | 'labels-not-consecutive'
    | 'missing-channel'
    | 'extra-channel'
    | 'missing-label'
    | 'orphan-label'
    | 'file-ending'
    | 'unreadable'
    | 'not-3d'
    | 'geometry'
    | 'undeclared-labels'
    | 'non-integer-labels'
    | 'empty-label'
    | 'nan';
}

export interface CheckOptions {
  /** 'headers': files and geometry only (fast); 'labels': also label values; 'all' (default): also NaNs in images. */
  content?: 'headers' | 'labels' | 'all';
  /** Cases checked at the same time (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

export interface DatasetCheckResult {
  dir: string;
  /** No errors (warnings allowed). */
  ok: boolean;
  problems: DatasetProblem[];
  numTraining: number;
  numTest: number;
  channels: string[];
  labels: number[];
  caseIds: string[];
}

function listDir(dir: string): string[] | null {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch {
    return null;
  }
}

function fmt(values: number[]): string {
  return values.length > 12 ? `${values.slice(0, 12).join(', ')}, ... (${values.length} values)` : values.join(', ');
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length && !signal?.aborted) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

function spatialProblem(h: NiftiHeader, file: string): string | null {
  const n = h.dim[0];
  for (let d = 4; d <= n; d++) if (h.dim[d] > 1) return `${file}: expected a 3D image but it has ${n} dimensions (${h.dim.slice(1, n + 1).join('x')}); nnU-Net wants one file per channel.`;
  return null;
}

interface CaseFiles {
  id: string;
  images: (string | null)[];
  label: string | null;
  test: boolean;
}

async function checkCase(c: CaseFiles, dj: DatasetJson, content: NonNullable<CheckOptions['content']>, out: DatasetProblem[]): Promise<void> {
  const push = (file: string, severity: Severity, code: DatasetProblem['code'], message: string) => out.push({ file, severity, code, message });
  const headers: { file: string; h: NiftiHeader }[] = [];
  const read = async (file: string) => {
    try {
      const h = await readNiftiHeader(file);
      const bad = spatialProblem(h, file);
      if (bad) push(file, 'error', 'not-3d', bad);
      return h;
    } catch (err) {
      push(file, 'error', 'unreadable', (err as Error).message);
      return null;
    }
  };
  for (const f of c.images) {
    if (!f) continue;
    const h = await read(f);
    if (h) headers.push({ file: f, h });
  }
  const labelHeader = c.label ? await read(c.label) : null;
  const ref = headers[0];
  if (ref) {
    const others = [...headers.slice(1), ...(labelHeader && c.label ? [{ file: c.label, h: labelHeader }] : [])];
    for (const o of others) {
      const diff = compareGeometry(ref.h, o.h);
      if (diff.length) {
        push(o.file, 'error', 'geometry', `${o.file}: does not match ${path.basename(ref.file)} of case ${c.id}: ${diff.map((d) => d.message).join('; ')}.`);
      }
    }
  }
  if (c.label && labelHeader && content !== 'headers') {
    try {
      const v = await readNifti(c.label, { raw: true });
      const seen = new Set<number>();
      let nonInteger: number | null = null;
      const d = v.data;
      for (let i = 0; i < d.length; i++) {
        const x = Number(d[i]);
        if (!Number.isInteger(x)) {
          if (nonInteger === null) nonInteger = x;
          continue;
        }
        seen.add(x);
      }
      if (nonInteger !== null) push(c.label, 'error', 'non-integer-labels', `${c.label}: label maps must hold integers, found ${nonInteger}.`);
      for (const p of labelValueProblems(c.label, [...seen], declaredLabelValues(dj))) push(c.label, p.severity, p.code, p.message);
    } catch (err) {
      push(c.label, 'error', 'unreadable', (err as Error).message);
    }
  }
  if (content === 'all') {
    for (const { file } of headers) {
      try {
        const v = await readNifti(file);
        const d = v.data as Float32Array;
        let nan = 0;
        let inf = 0;
        for (let i = 0; i < d.length; i++) {
          const x = d[i];
          if (x !== x) nan++;
          else if (x === Infinity || x === -Infinity) inf++;
        }
        if (nan || inf) {
          const what = [nan ? `${nan} NaN` : '', inf ? `${inf} infinite` : ''].filter(Boolean).join(' and ');
          push(file, 'error', 'nan', `${file}: contains ${what} voxel value${nan + inf > 1 ? 's' : ''}; replace them with a real intensity.`);
        }
      } catch (err) {
        push(file, 'error', 'unreadable', (err as Error).message);
      }
    }
  }
}

/** Checks an nnU-Net raw dataset folder and returns every problem found (never throws for bad data). */
export async function checkDataset(dir: string, opts: CheckOptions = {}): Promise<DatasetCheckResult> {
  const content = opts.content ?? 'all';
  const problems: DatasetProblem[] = [];
  const djFile = datasetJsonPath(dir);
  const result = (extra: Partial<DatasetCheckResult> = {}): DatasetCheckResult => ({
    dir,
    ok: !problems.some((p) => p.severity === 'error'),
    problems,
    numTraining: 0,
    numTest: 0,
    channels: [],
    labels: [],
    caseIds: [],
    ...extra,
  });
  let dj: DatasetJson;
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(djFile, 'utf8'));
    const msgs = validateDatasetJson(parsed);
    for (const m of msgs) problems.push({ file: djFile, severity: 'error', code: 'dataset-json', message: `${djFile}: ${m}` });
    if (msgs.length) return result();
    dj = parsed as DatasetJson;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    problems.push({
      file: djFile,
      severity: 'error',
      code: 'dataset-json',
      message: missing ? `${djFile}: dataset.json not found (is ${dir} an nnU-Net raw dataset folder?).` : `${djFile}: not valid JSON (${(err as Error).message}).`,
    });
    return result();
  }
  const channels = channelNames(dj);
  const ending = dj.file_ending;
  const declared = allLabels(dj);
  const ign = ignoreLabel(dj);
  const expected = ign !== undefined ? [...declared, ign] : declared;
  const gaps = expected.filter((v, i) => i > 0 && v - expected[i - 1] !== 1);
  if (expected[0] !== 0 || gaps.length) {
    problems.push({
      file: djFile,
      severity: 'error',
      code: 'labels-not-consecutive',
      message: `${djFile}: label values must be consecutive integers from 0 (0, 1, 2, ...${ign !== undefined ? ', then "ignore"' : ''}); found ${fmt(expected)}.`,
    });
  }

  const imagesTr = path.join(dir, 'imagesTr');
  const labelsTr = path.join(dir, 'labelsTr');
  const cases: CaseFiles[] = [];
  if (dj.dataset) {
    for (const c of trainingCases(dir, dj)) {
      const imgs = c.images.map((f) => (fs.existsSync(f) ? f : null));
      c.images.forEach((f, i) => {
        if (!imgs[i]) problems.push({ file: f, severity: 'error', code: 'missing-channel', message: `${f}: image file of case ${c.id} listed in dataset.json does not exist.` });
      });
      const label = fs.existsSync(c.label) ? c.label : null;
      if (!label) problems.push({ file: c.label, severity: 'error', code: 'missing-label', message: `${c.label}: label file of case ${c.id} listed in dataset.json does not exist.` });
      if (c.images.length !== channels.length) {
        problems.push({ file: djFile, severity: 'error', code: 'missing-channel', message: `${djFile}: case ${c.id} lists ${c.images.length} image files but ${channels.length} channels are declared.` });
      }
      cases.push({ id: c.id, images: imgs, label, test: false });
    }
  } else {
    const imgFiles = listDir(imagesTr);
    const labFiles = listDir(labelsTr);
    if (!imgFiles) problems.push({ file: imagesTr, severity: 'error', code: 'missing-folder', message: `${imagesTr}: folder not found (training images go there as CASE_0000${ending}).` });
    if (!labFiles) problems.push({ file: labelsTr, severity: 'error', code: 'missing-folder', message: `${labelsTr}: folder not found (training labels go there as CASE${ending}).` });
    if (imgFiles) {
      for (const f of imgFiles) {
        if (!f.endsWith(ending)) problems.push({ file: path.join(imagesTr, f), severity: 'warning', code: 'file-ending', message: `${path.join(imagesTr, f)}: ignored: its ending differs from dataset.json's file_ending "${ending}".` });
      }
      const ids = identifiersInFolder(imagesTr, ending);
      for (const id of ids) {
        const present = channelFilesOf(imagesTr, imgFiles, id, ending);
        const images = channels.map((name, c) => {
          const f = path.join(imagesTr, `${id}_${String(c).padStart(4, '0')}${ending}`);
          if (present.includes(f)) return f;
          problems.push({ file: f, severity: 'error', code: 'missing-channel', message: `${f}: missing: case ${id} has no file for channel ${c} (${name}).` });
          return null;
        });
        for (const f of present) {
          const c = Number(f.slice(-(ending.length + 4), -ending.length));
          if (c >= channels.length) problems.push({ file: f, severity: 'error', code: 'extra-channel', message: `${f}: channel ${c} is not declared (dataset.json has ${channels.length} channel${channels.length === 1 ? '' : 's'}).` });
        }
        const lf = path.join(labelsTr, id + ending);
        const hasLabel = !!labFiles?.includes(id + ending);
        if (labFiles && !hasLabel) problems.push({ file: lf, severity: 'error', code: 'missing-label', message: `${lf}: missing: case ${id} has images but no label file.` });
        cases.push({ id, images, label: hasLabel ? lf : null, test: false });
      }
      if (labFiles) {
        const idSet = new Set(ids);
        for (const f of labFiles) {
          if (!f.endsWith(ending)) {
            problems.push({ file: path.join(labelsTr, f), severity: 'warning', code: 'file-ending', message: `${path.join(labelsTr, f)}: ignored: its ending differs from dataset.json's file_ending "${ending}".` });
          } else if (!idSet.has(f.slice(0, -ending.length))) {
            problems.push({ file: path.join(labelsTr, f), severity: 'warning', code: 'orphan-label', message: `${path.join(labelsTr, f)}: ignored: no images in imagesTr for this label file.` });
          }
        }
      }
    }
  }
  if (cases.length === 0 && !problems.some((p) => p.code === 'missing-folder')) {
    problems.push({ file: imagesTr, severity: 'error', code: 'no-cases', message: `${imagesTr}: no training cases found (files named CASE_0000${ending}).` });
  } else if (cases.length !== dj.numTraining) {
    problems.push({ file: djFile, severity: 'error', code: 'num-training', message: `${djFile}: numTraining is ${dj.numTraining} but ${cases.length} training case${cases.length === 1 ? ' was' : 's were'} found.` });
  }

  const imagesTs = path.join(dir, 'imagesTs');
  const tsFiles = listDir(imagesTs);
  const testCases: CaseFiles[] = [];
  if (tsFiles) {
    for (const id of identifiersInFolder(imagesTs, ending)) {
      const present = channelFilesOf(imagesTs, tsFiles, id, ending);
      const images = channels.map((name, c) => {
        const f = path.join(imagesTs, `${id}_${String(c).padStart(4, '0')}${ending}`);
        if (present.includes(f)) return f;
        problems.push({ file: f, severity: 'error', code: 'missing-channel', message: `${f}: missing: test case ${id} has no file for channel ${c} (${name}).` });
        return null;
      });
      testCases.push({ id, images, label: null, test: true });
    }
  }

  const all = [...cases, ...testCases];
  const perCase: DatasetProblem[][] = all.map(() => []);
  let done = 0;
  await mapLimit(
    all,
    opts.concurrency ?? 4,
    async (c, i) => {
      await checkCase(c, dj, c.test && content !== 'all' ? 'headers' : content, perCase[i]);
      opts.onProgress?.(++done, all.length);
    },
    opts.signal,
  );
  problems.push(...perCase.flat());
  return result({ numTraining: cases.length, numTest: testCases.length, channels, labels: expected, caseIds: cases.map((c) => c.id) });
}

