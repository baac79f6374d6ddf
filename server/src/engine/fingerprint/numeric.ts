/**
 * Numbers computed the way numpy and Python compute them, so that planner outputs match nnU-Net's to the
 * last bit: Python's round() (half to even), np.percentile (method 'linear' with numpy's two-sided lerp),
 * np.median (mean of the two middle values).
 */

/** Python 3 round(): exact halves go to the even neighbour. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

/** numpy's _lerp: a + (b-a)t, but b - (b-a)(1-t) when t >= 0.5 (keeps monotonicity). */
function lerp(a: number, b: number, t: number): number {
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** np.percentile(values, q) with the default 'linear' method; `sorted` must be ascending. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const virtualIndex = (q / 100) * (n - 1);
  const lo = Math.floor(virtualIndex);
  const hi = Math.min(lo + 1, n - 1);
  const gamma = virtualIndex - lo;
  return lerp(sorted[lo], sorted[hi], gamma);
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const a = Float64Array.from(values as ArrayLike<number>);
  a.sort();
  return a;
}

export function percentile(values: ArrayLike<number>, q: number): number {
  return percentileSorted(sortedCopy(values), q);
}

/** np.median: the middle value, or the mean of the two middle values. */
export function median(values: ArrayLike<number>): number {
  const s = sortedCopy(values);
  const n = s.length;
  if (n === 0) return NaN;
  const m = n >> 1;
  return n % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Per-column statistic of a list of equal-length rows (numpy's `axis=0`). */
export function columns(rows: ArrayLike<number>[], fn: (col: number[]) => number): number[] {
  if (rows.length === 0) return [];
  const out: number[] = [];
  for (let j = 0; j < rows[0].length; j++) out.push(fn(rows.map((r) => r[j])));
  return out;
}

/** Index of the first maximum (np.argmax). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Product in input order, as np.prod over a short float64 vector. */
export function prod(values: ArrayLike<number>): number {
  let p = 1;
  for (let i = 0; i < values.length; i++) p *= values[i];
  return p;
}

/** Mean and population std (np.mean / np.std) in float64, two-pass for accuracy. */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    v += d * d;
  }
  return { mean, std: Math.sqrt(v / n) };
}
