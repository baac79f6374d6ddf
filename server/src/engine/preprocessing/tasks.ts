/**
 * The per-case units of work that run on worker threads (see pool.ts): fingerprint analysis and
 * preprocessing of one case into the cache.
 */
import type { DatasetCase } from '../dataset/cases';
import { DatasetError } from '../dataset/datasetJson';
import { distinctLabels, labelValueProblems } from '../dataset/labelValues';
import { loadCase } from '../dataset/load';
import { analyzeCase } from '../fingerprint/analyzeCase';
import { writeCase } from './cache';
import { preprocessCase, type CaseSettings } from './case';

export type TaskKind = 'fingerprint' | 'preprocess';

export interface TaskMessage {
  id: number;
  kind: TaskKind;
  payload: unknown;
}

export type TaskReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string; file?: string };

export interface FingerprintPayload {
  case: DatasetCase;
  numSamples: number;
  numChannels: number;
}

export interface PreprocessPayload {
  case: { id: string; images: string[]; label: string | null };
  outDir: string;
  settings: CaseSettings;
  signature: string;
}

export interface PreprocessResult {
  id: string;
  shape: number[];
  seconds: number;
  /** Problems that do not stop the case (an empty label map), each naming its file. */
  warnings: { message: string; file: string }[];
}

async function preprocessTask(p: PreprocessPayload): Promise<PreprocessResult> {
  const t0 = Date.now();
  const loaded = await loadCase(p.case, { numChannels: p.settings.configuration.normalization_schemes.length });
  const warnings: PreprocessResult['warnings'] = [];
  if (loaded.seg && p.case.label && p.settings.declaredLabels) {
    for (const w of labelValueProblems(p.case.label, distinctLabels(loaded.seg), p.settings.declaredLabels)) {
      if (w.severity === 'error') throw new DatasetError(w.message, p.case.label);
      warnings.push({ message: w.message, file: p.case.label });
    }
  }
  const out = preprocessCase(
    { channels: loaded.channels, seg: loaded.seg, shape: loaded.shape, spacing: loaded.spacing },
    { ...p.settings, file: p.case.images[0] },
  );
  await writeCase(p.outDir, { ...out, id: p.case.id }, p.signature);
  return { id: p.case.id, shape: out.shape, seconds: (Date.now() - t0) / 1000, warnings };
}

export async function runTask(kind: TaskKind, payload: unknown): Promise<unknown> {
  switch (kind) {
    case 'fingerprint': {
      const p = payload as FingerprintPayload;
      return analyzeCase(p.case, p.numSamples, p.numChannels);
    }
    case 'preprocess':
      return preprocessTask(payload as PreprocessPayload);
  }
}

/** Array buffers in a result that can be moved instead of copied to the parent thread. */
export function transferables(value: unknown, out: ArrayBuffer[] = [], seen = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    const b = value.buffer as ArrayBuffer;
    if (b instanceof ArrayBuffer && !seen.has(b) && value.byteOffset === 0 && value.byteLength === b.byteLength) {
      seen.add(b);
      out.push(b);
    }
  } else if (Array.isArray(value)) {
    for (const v of value) transferables(v, out, seen);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) transferables(v, out, seen);
  }
  return out;
}
