/**
 * p-th percentile (0..100) of an ascending array, numpy's default method ('linear'): virtual index
 * (n-1)*p/100 between the two neighbours, with numpy's two-sided lerp so the value agrees bit for bit.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const q = p / 100;
  const virt = (n - 1) * q;
  const lo = Math.floor(virt);
  const prev = Math.min(Math.max(lo, 0), n - 1);
  const next = Math.min(prev + 1, n - 1);
  const t = virt - lo;
  const a = sorted[prev];
  const b = sorted[next];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Merges two ascending arrays into one ascending array. */
export function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}
