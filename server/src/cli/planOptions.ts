/** Option parsing shared by nnseg fingerprint / plan / preprocess. */
import { UsageError } from '../util/errors';
import type { CliIO, ParsedArgs } from './command';
import { str } from './command';
import type { PlannerOptions } from '../engine/planning/planner';
import { textProgressContext } from '../engine/preprocessing/progressContext';

export function intOption(args: ParsedArgs, name: string, min: number): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'.`);
  return n;
}

export function numberOption(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got '${v}'.`);
  return n;
}

export const plannerOptionSpec = {
  'gpu-memory': { type: 'string' },
  'base-features': { type: 'string' },
  'max-features': { type: 'string' },
  'max-features-2d': { type: 'string' },
  preset: { type: 'string' },
} as const;

/**
 * --preset gpu|cpu; --gpu-memory GB implies gpu (nnU-Net's planner with that VRAM target). Without either, the
 * CPU preset. --base-features, --max-features (3D) and --max-features-2d override the preset's values.
 */
export function plannerOptions(args: ParsedArgs): Partial<PlannerOptions> {
  const { CPU_PRESET, GPU_PRESET } = require('../engine/planning/planner') as typeof import('../engine/planning/planner');
  const preset = str(args, 'preset');
  if (preset !== undefined && preset !== 'gpu' && preset !== 'cpu') throw new UsageError(`--preset must be gpu or cpu, got '${preset}'.`);
  const mem = numberOption(args, 'gpu-memory');
  const base = preset === 'cpu' || (preset === undefined && mem === undefined) ? CPU_PRESET : GPU_PRESET;
  const out: Partial<PlannerOptions> = { ...base };
  if (mem !== undefined) out.memoryTargetGB = mem;
  const bf = intOption(args, 'base-features', 1);
  const mf = intOption(args, 'max-features', 1);
  const mf2 = intOption(args, 'max-features-2d', 1);
  if (bf !== undefined) out.baseFeatures = bf;
  if (mf !== undefined) out.maxFeatures3d = mf;
  if (mf2 !== undefined) out.maxFeatures2d = mf2;
  const custom =
    out.memoryTargetGB !== base.memoryTargetGB ||
    out.baseFeatures !== base.baseFeatures ||
    out.maxFeatures3d !== base.maxFeatures3d ||
    out.maxFeatures2d !== base.maxFeatures2d;
  if (custom) out.preset = 'custom';
  return out;
}

export function cliContext(io: CliIO) {
  return textProgressContext({ write: (t) => io.err(t), tty: process.stderr.isTTY === true });
}
