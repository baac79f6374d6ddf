/**
 * Foreground intensity statistics as nnU-Net's fingerprint computes them: every training case contributes
 * floor(1e8 / n_cases) draws with replacement (RandomState(1234) per case) from its foreground voxels, and
 * mean/std/min/max/percentiles are taken over all draws. The draws are kept as (value, count) pairs, so the
 * 1e8 samples are never materialised; order statistics come out exactly as numpy's.
 */
import type { IntensityProperties } from '../planning/plans';
import { RandomState } from './randomState';

/** nnU-Net's num_foreground_voxels_for_intensitystats. */
export const TOTAL_INTENSITY_SAMPLES = 10e7;

export function samplesPerCase(numCases: number): number {
  return Math.floor(TOTAL_INTENSITY_SAMPLES / numCases);
}

/** The sampled foreground voxels of one case and channel: distinct values drawn and how often. */
export interface WeightedSample {
  values: Float32Array;
  counts: Uint32Array;
}

/**
 * Draws `numSamples` indices into each channel's foreground values (channel after channel from one
 * RandomState(seed), like collect_foreground_intensities) and returns the drawn values with their counts.
 */
export function sampleForeground(foregroundPerChannel: Float32Array[], numSamples: number, seed = 1234): WeightedSample[] {
  const rs = new RandomState(seed);
  return foregroundPerChannel.map((fg) => {
    const n = fg.length;
    if (n === 0) return { values: new Float32Array(0), counts: new Uint32Array(0) };
    const counts = new Uint32Array(n);
    rs.countDraws(n, numSamples, counts);
    let k = 0;
    for (let i = 0; i < n; i++) if (counts[i]) k++;
    const values = new Float32Array(k);
    const c = new Uint32Array(k);
    k = 0;
    for (let i = 0; i < n; i++) {
      if (counts[i]) {
        values[k] = fg[i];
        c[k++] = counts[i];
      }
    }
    return { values, counts: c };
  });
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Float32 -> uint32 key with the same order (negative values flipped). */
function sortKey(v: number): number {
  f32[0] = v;
  const b = u32[0];
  return (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
}

/** Sorts (value, count) pairs by value: a two-pass LSD radix sort on the float32 bit pattern. */
function sortWeighted(values: Float32Array, counts: Uint32Array): { values: Float32Array; counts: Uint32Array } {
  const n = values.length;
  let keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = sortKey(values[i]);
  let v = values.slice();
  let c = counts.slice();
  let k2 = new Uint32Array(n);
  let v2 = new Float32Array(n);
  let c2 = new Uint32Array(n);
  for (const shift of [0, 16]) {
    const hist = new Uint32Array(65537);
    for (let i = 0; i < n; i++) hist[((keys[i] >>> shift) & 0xffff) + 1]++;
    for (let b = 1; b <= 65536; b++) hist[b] += hist[b - 1];
    for (let i = 0; i < n; i++) {
      const d = hist[(keys[i] >>> shift) & 0xffff]++;
      k2[d] = keys[i];
      v2[d] = v[i];
      c2[d] = c[i];
    }
    [keys, k2] = [k2, keys];
    [v, v2] = [v2, v];
    [c, c2] = [c2, c];
  }
  return { values: v, counts: c };
}

/** Statistics of the union of weighted samples: np.mean/std/min/max/percentile over the expanded draws. */
export function weightedStatistics(parts: WeightedSample[]): IntensityProperties | null {
  const total = parts.reduce((a, p) => a + p.values.length, 0);
  const allV = new Float32Array(total);
  const allC = new Uint32Array(total);
  let o = 0;
  for (const p of parts) {
    allV.set(p.values, o);
    allC.set(p.counts, o);
    o += p.values.length;
  }
  if (total === 0) return null;
  const { values, counts } = sortWeighted(allV, allC);
  let n = 0;
  let sum = 0;
  for (let i = 0; i < total; i++) {
    n += counts[i];
    sum += counts[i] * values[i];
  }
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < total; i++) {
    const d = values[i] - mean;
    sq += counts[i] * d * d;
  }
  // order statistic at rank r of the expanded sample
  const at = (() => {
    let idx = 0;
    let upto = counts[0]; // ranks [0, upto) are values[idx]
    return (r: number): number => {
      while (r >= upto) upto += counts[++idx];
      return values[idx];
    };
  })();
  const pct = (q: number): number => {
    const vi = (q / 100) * (n - 1);
    const lo = Math.floor(vi);
    const g = vi - lo;
    const a = at(lo);
    const b = at(Math.min(lo + 1, n - 1));
    const d = Math.fround(b - a); // numpy subtracts in the array's float32
    return g >= 0.5 ? b - d * (1 - g) : a + d * g;
  };
  // ranks must be asked in increasing order (the walker only moves forward)
  const p005 = pct(0.5);
  const p50 = pct(50);
  const p995 = pct(99.5);
  return {
    mean,
    median: p50,
    std: Math.sqrt(sq / n),
    min: values[0],
    max: values[total - 1],
    percentile_99_5: p995,
    percentile_00_5: p005,
  };
}
