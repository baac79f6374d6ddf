import * as path from 'node:path';
import { writeJsonAtomic } from '../../util/atomic';
import type { JobContext } from '../../jobs/context';
import type { CaseJob, CaseResult } from './caseJob';
import { completeLabels, FolderError, labelsSeen, listCaseFiles } from './cases';
import { readDatasetLabels, type DatasetLabels } from './dataset';
import { defaultWorkers, runCaseJobs } from './pool';
import type { Problem } from './problems';
import { buildSummary, type Summary } from './summary';
import type { HdMode } from './types';

export interface EvaluateOptions {
  /** Folder of reference label maps (CASE.nii.gz). */
  ref: string;
  /** Folder of predicted label maps with the same file names. */
  pred: string;
  /** Labels to evaluate; default: the dataset.json labels, else every non-zero value found. */
  labels?: number[];
  /** nnU-Net dataset.json: label names, ignore label, file ending. */
  datasetJson?: string;
  hdMode?: HdMode;
  /** false: Dice/IoU/counts only (no surface distances). */
  distances?: boolean;
  /** Where summary.json goes; default <pred>/summary.json; null: not written. */
  out?: string | null;
  workers?: number;
}

export interface EvaluateResult {
  summary: Summary;
  summaryFile: string | null;
  problems: Problem[];
}

/**
 * Evaluates a folder of predictions against a folder of references, matching cases by file name, on
 * worker threads; writes summary.json (nnU-Net's layout plus nnSeg's fields). Missing cases, other grids and
 * unknown label values are listed as problems; the remaining cases are still evaluated and written.
 */
export async function evaluateFolders(opts: EvaluateOptions, ctx?: JobContext): Promise<EvaluateResult> {
  const dataset: DatasetLabels | undefined = opts.datasetJson ? readDatasetLabels(opts.datasetJson) : undefined;
  const ending = dataset?.fileEnding;
  const refs = listCaseFiles(opts.ref, ending);
  const preds = listCaseFiles(opts.pred, ending);
  if (refs.size === 0) throw new FolderError(opts.ref, `holds no reference label maps (${ending ?? '.nii.gz or .nii'})`);
  const problems: Problem[] = [];
  for (const [id, f] of refs) if (!preds.has(id)) problems.push({ kind: 'missing-prediction', case: id, file: f, message: `${f} has no prediction in ${opts.pred}.` });
  for (const [id, f] of preds) if (!refs.has(id)) problems.push({ kind: 'missing-reference', case: id, file: f, message: `${f} has no reference in ${opts.ref}.` });
  const ids = [...refs.keys()].filter((id) => preds.has(id));
  if (ids.length === 0) throw new FolderError(opts.pred, `has no prediction whose file name matches a reference in ${opts.ref}`);
  const hdMode = opts.hdMode ?? 'max';
  const labels = opts.labels ?? dataset?.labels;
  const jobs: CaseJob[] = ids.map((id) => ({
    caseId: id,
    refFile: refs.get(id)!,
    pred: { format: 'labelmap', file: preds.get(id)! },
    labels,
    names: dataset?.names,
    ignoreLabel: dataset?.ignoreLabel,
    hdMode,
    distances: opts.distances,
  }));
  const results: CaseResult[] = [];
  ctx?.progress(0, `case 0/${jobs.length}`);
  await runCaseJobs(jobs, opts.workers ?? defaultWorkers(), ctx, (r, done) => {
    results.push(r);
    for (const p of r.problems) {
      problems.push(p);
      ctx?.log('warn', p.message);
    }
    ctx?.progress(done / jobs.length, `case ${done}/${jobs.length}`);
  });
  const finalLabels = labels ?? labelsSeen(results);
  completeLabels(results, finalLabels);
  const summary = buildSummary(results, finalLabels, dataset?.names ?? {}, hdMode, problems);
  const summaryFile = opts.out === null ? null : (opts.out ?? path.join(opts.pred, 'summary.json'));
  if (summaryFile) await writeJsonAtomic(summaryFile, summary);
  return { summary, summaryFile, problems };
}
