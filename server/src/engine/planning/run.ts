/**
 * `nnseg plan` as a library call: fingerprint (reused when current), plans, both written to the
 * preprocessed dataset folder together with a copy of dataset.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type JobContext, silentContext } from '../../jobs/context';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic';
import { trainingCases } from '../dataset/cases';
import { datasetJsonPath, readDatasetJson } from '../dataset/datasetJson';
import { defaultPreprocessedDir, PLANS_FILE } from '../dataset/paths';
import { extractFingerprint, readFingerprintIfCurrent, writeFingerprint } from '../fingerprint/extract';
import type { DatasetFingerprint } from '../fingerprint/types';
import { planExperiment, type PlannerOptions } from './planner';
import type { Plans } from './plans';

export interface PlanDatasetOptions {
  /** Preprocessed dataset folder (default defaultPreprocessedDir(rawDir)). */
  outDir?: string;
  planner?: Partial<PlannerOptions>;
  /** Worker threads for the fingerprint. */
  workers?: number;
  /** Extract the fingerprint again even if a current one exists. */
  refreshFingerprint?: boolean;
  /** Do not write anything (plans only returned). */
  dryRun?: boolean;
}

export interface PlanDatasetResult {
  outDir: string;
  plans: Plans;
  fingerprint: DatasetFingerprint;
  fingerprintReused: boolean;
  plansFile: string;
}

export async function getFingerprint(
  rawDir: string,
  outDir: string,
  opts: { workers?: number; refresh?: boolean; write?: boolean },
  ctx: JobContext = silentContext(),
): Promise<{ fingerprint: DatasetFingerprint; reused: boolean }> {
  const dj = readDatasetJson(rawDir);
  const ids = trainingCases(rawDir, dj).map((c) => c.id);
  const current = opts.refresh ? null : readFingerprintIfCurrent(outDir, ids);
  if (current) return { fingerprint: current, reused: true };
  const fingerprint = await extractFingerprint(rawDir, { workers: opts.workers }, ctx);
  if (opts.write !== false) await writeFingerprint(outDir, fingerprint);
  return { fingerprint, reused: false };
}

export async function planDataset(rawDir: string, opts: PlanDatasetOptions = {}, ctx: JobContext = silentContext()): Promise<PlanDatasetResult> {
  const outDir = opts.outDir ?? defaultPreprocessedDir(rawDir);
  const dj = readDatasetJson(rawDir);
  const { fingerprint, reused } = await getFingerprint(rawDir, outDir, { workers: opts.workers, refresh: opts.refreshFingerprint, write: !opts.dryRun }, ctx);
  const first = trainingCases(rawDir, dj)[0];
  const plans = planExperiment(
    { datasetName: path.basename(path.resolve(rawDir)), datasetJson: dj, fingerprint, exampleImageFile: first?.images[0] },
    opts.planner,
  );
  const plansFile = path.join(outDir, PLANS_FILE);
  if (!opts.dryRun) {
    await writeJsonAtomic(plansFile, plans);
    await writeFileAtomic(path.join(outDir, 'dataset.json'), fs.readFileSync(datasetJsonPath(rawDir)));
  }
  return { outDir, plans, fingerprint, fingerprintReused: reused, plansFile };
}
