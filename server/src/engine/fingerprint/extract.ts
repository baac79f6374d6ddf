/**
 * The dataset fingerprint (nnU-Net's DatasetFingerprintExtractor.run): per case spacing and shape after
 * cropping, the median relative size after cropping, and per channel foreground intensity statistics.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type JobContext, silentContext, throwIfCancelled } from '../../jobs/context';
import { writeJsonAtomic } from '../../util/atomic';
import { trainingCases } from '../dataset/cases';
import { channelNames, DatasetError, readDatasetJson } from '../dataset/datasetJson';
import { FINGERPRINT_FILE } from '../dataset/paths';
import type { IntensityProperties } from '../planning/plans';
import { runPool } from '../preprocessing/pool';
import type { FingerprintPayload } from '../preprocessing/tasks';
import type { CaseFingerprint } from './analyzeCase';
import { samplesPerCase, weightedStatistics } from './intensity';
import { median } from './numeric';
import type { DatasetFingerprint } from './types';

export interface FingerprintOptions {
  /** Worker threads (default: one per core, at most 8; 0 runs in this thread). */
  workers?: number;
  /** Foreground draws per case (default nnU-Net's floor(1e8 / cases)). */
  samplesPerCase?: number;
}

/** Lists every case that failed, one per line, in one error. */
export function failureReport(what: string, failures: { id: string; message: string }[]): string {
  const head = `${failures.length} case${failures.length === 1 ? '' : 's'} could not be ${what}`;
  return `${head}: ${failures.map((f) => f.message).join(' | ')}`;
}

export async function extractFingerprint(dir: string, opts: FingerprintOptions = {}, ctx: JobContext = silentContext()): Promise<DatasetFingerprint> {
  const dj = readDatasetJson(dir);
  const cases = trainingCases(dir, dj);
  if (cases.length === 0) throw new DatasetError(`${path.join(dir, 'imagesTr')}: no training cases found (files named CASE_0000${dj.file_ending}).`);
  const numSamples = opts.samplesPerCase ?? samplesPerCase(cases.length);
  const numChannels = channelNames(dj).length;
  const payloads: FingerprintPayload[] = cases.map((c) => ({ case: c, numSamples, numChannels }));
  ctx.progress(0, `fingerprint 0/${cases.length}`);
  const outcomes = await runPool<CaseFingerprint>('fingerprint', payloads, {
    workers: opts.workers,
    signal: ctx.signal,
    onSettled: (i, o, done, total) => {
      if (!o.ok) ctx.log('error', o.message);
      ctx.progress(done / total, `fingerprint ${done}/${total}`);
    },
  });
  throwIfCancelled(ctx);
  const failures = outcomes.flatMap((o, i) => (o.ok ? [] : [{ id: cases[i].id, message: o.message }]));
  if (failures.length) throw new DatasetError(failureReport('read for the fingerprint', failures));
  const results = outcomes.map((o) => (o as { ok: true; result: CaseFingerprint }).result);

  const props: Record<string, IntensityProperties> = {};
  for (let c = 0; c < numChannels; c++) {
    const stats = weightedStatistics(results.map((r) => r.samples[c]));
    if (!stats) throw new DatasetError(`${dir}: no training case has foreground voxels (label > 0); the fingerprint needs some.`);
    props[String(c)] = stats;
  }
  return {
    spacings: results.map((r) => r.spacing),
    shapes_after_crop: results.map((r) => r.shapeAfterCrop),
    foreground_intensity_properties_per_channel: props,
    median_relative_size_after_cropping: median(results.map((r) => r.relativeSizeAfterCropping)),
    shapes_before_crop: results.map((r) => r.shapeBeforeCrop),
    case_identifiers: results.map((r) => r.id),
  };
}

export async function writeFingerprint(outDir: string, fp: DatasetFingerprint): Promise<string> {
  const file = path.join(outDir, FINGERPRINT_FILE);
  await writeJsonAtomic(file, fp);
  return file;
}

/** A saved fingerprint, or null when there is none or it does not list exactly these cases. */
export function readFingerprintIfCurrent(outDir: string, caseIds: string[]): DatasetFingerprint | null {
  try {
    const fp = JSON.parse(fs.readFileSync(path.join(outDir, FINGERPRINT_FILE), 'utf8')) as DatasetFingerprint;
    const ids = fp.case_identifiers;
    if (!ids || ids.length !== caseIds.length || ids.some((x, i) => x !== caseIds[i])) return null;
    return fp;
  } catch {
    return null;
  }
}
