import type { TypedArray } from './datatypes';

export interface VoxelStats {
  min: number | null;
  max: number | null;
  sum: number;
  mean: number | null;
  /** Finite values counted. */
  count: number;
  /** NaN and +-Inf values, left out of the other numbers. */
  nonFinite: number;
}

/**
 * Statistics over the finite values of `data * slope + inter`, the scaling applied in float64 (so a raw
 * read gives nibabel's get_fdata() numbers exactly) and the sum accumulated in float64.
 */
export function voxelStats(data: TypedArray, slope = 1, inter = 0): VoxelStats {
  let min = Infinity, max = -Infinity, sum = 0, count = 0, nonFinite = 0;
  const n = data.length;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) {
      const x = Number(data[i]) * slope + inter;
      if (!Number.isFinite(x)) { nonFinite++; continue; }
      if (x < min) min = x;
      if (x > max) max = x;
      sum += x;
      count++;
    }
  } else {
    const d = data as Exclude<TypedArray, BigInt64Array | BigUint64Array>;
    const scaled = slope !== 1 || inter !== 0;
    for (let i = 0; i < n; i++) {
      const x = scaled ? d[i] * slope + inter : d[i];
      // x - x is NaN exactly for NaN and +-Inf: cheaper than Number.isFinite in this loop.
      if (x - x !== 0) { nonFinite++; continue; }
      if (x < min) min = x;
      if (x > max) max = x;
      sum += x;
      count++;
    }
  }
  return count ? { min, max, sum, mean: sum / count, count, nonFinite } : { min: null, max: null, sum: 0, mean: null, count: 0, nonFinite };
}
