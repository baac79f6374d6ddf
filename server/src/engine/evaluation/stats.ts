import { percentileSorted } from './percentile';

/** Values that are numbers (null and NaN dropped), like numpy's nan-aware reductions. */
export function finite(values: (number | null | undefined)[]): number[] {
  return values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
}

/** Mean ignoring null (numpy nanmean); null when nothing is left. */
export function nanmean(values: (number | null | undefined)[]): number | null {
  const v = finite(values);
  if (v.length === 0) return null;
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

/** Mean that is null as soon as one value is null (numpy mean with NaN propagating). */
export function strictMean(values: (number | null | undefined)[]): number | null {
  if (values.length === 0) return null;
  if (values.some((v) => typeof v !== 'number' || Number.isNaN(v))) return null;
  return nanmean(values);
}

/** Population standard deviation (numpy's default ddof=0) ignoring null; null when nothing is left. */
export function nanstd(values: (number | null | undefined)[]): number | null {
  const v = finite(values);
  if (v.length === 0) return null;
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) * (b - m), 0) / v.length);
}

/** Five-number summary for a box plot: Tukey whiskers (most extreme values within 1.5 IQR), outliers beyond. */
export interface BoxStats {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  whiskerLow: number;
  whiskerHigh: number;
  outliers: number[];
  mean: number;
}

export function boxStats(values: (number | null | undefined)[]): BoxStats | null {
  const v = finite(values).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const q1 = percentileSorted(v, 25);
  const q3 = percentileSorted(v, 75);
  const iqr = q3 - q1;
  const lo = q1 - 1.5 * iqr;
  const hi = q3 + 1.5 * iqr;
  const inside = v.filter((x) => x >= lo && x <= hi);
  return {
    n: v.length,
    min: v[0],
    q1,
    median: percentileSorted(v, 50),
    q3,
    max: v[v.length - 1],
    whiskerLow: inside.length ? inside[0] : q1,
    whiskerHigh: inside.length ? inside[inside.length - 1] : q3,
    outliers: v.filter((x) => x < lo || x > hi),
    mean: v.reduce((a, b) => a + b, 0) / v.length,
  };
}
