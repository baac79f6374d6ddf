/**
 * Foreground locations for oversampling, as nnU-Net's DefaultPreprocessor._sample_foreground_locations:
 * per class (or region), min(10000, n) voxels but at least 1% of the class, drawn without replacement with
 * RandomState(1234) shared across classes in order. Coordinates are [z, y, x] of the preprocessed array.
 */
import { RandomState } from '../fingerprint/randomState';

export const MIN_NUM_SAMPLES = 10000;
export const MIN_PERCENT_COVERAGE = 0.01;

/** The key nnSeg stores a class under: "2" for a label, "1,2" for a region. */
export function classKey(c: number | number[]): string {
  return Array.isArray(c) ? c.join(',') : String(c);
}

/**
 * Returns, per class key, the sampled voxel coordinates as a flat Int32Array of (z, y, x) triples
 * (empty when the class is absent).
 */
export function sampleForegroundLocations(
  seg: ArrayLike<number>,
  shape: number[],
  classes: (number | number[])[],
  seed = 1234,
): Record<string, Int32Array> {
  const rs = new RandomState(seed);
  const requested = new Set<number>();
  for (const c of classes) for (const l of Array.isArray(c) ? c : [c]) requested.add(l);

  // voxel indices per label, in C order (= numpy's stable argsort of argwhere's output)
  const counts = new Map<number, number>();
  for (let i = 0; i < seg.length; i++) {
    const l = seg[i];
    if (requested.has(l)) counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  const lists = new Map<number, Int32Array>();
  const fill = new Map<number, number>();
  for (const [l, n] of counts) {
    lists.set(l, new Int32Array(n));
    fill.set(l, 0);
  }
  for (let i = 0; i < seg.length; i++) {
    const l = seg[i];
    const list = lists.get(l);
    if (list) {
      const k = fill.get(l)!;
      list[k] = i;
      fill.set(l, k + 1);
    }
  }

  const [, sy, sx] = shape.length === 3 ? shape : [1, ...shape];
  const out: Record<string, Int32Array> = {};
  for (const c of classes) {
    const labs = Array.isArray(c) ? c : [c];
    const parts = labs.map((l) => lists.get(l)).filter((x): x is Int32Array => !!x && x.length > 0);
    const key = classKey(c);
    if (parts.length === 0) {
      out[key] = new Int32Array(0);
      continue;
    }
    const total = parts.reduce((a, p) => a + p.length, 0);
    let target = Math.min(MIN_NUM_SAMPLES, total);
    target = Math.max(target, Math.ceil(total * MIN_PERCENT_COVERAGE));
    const perm = rs.permutation(total);
    const coords = new Int32Array(target * 3);
    for (let t = 0; t < target; t++) {
      let off = perm[t];
      let p = 0;
      while (off >= parts[p].length) {
        off -= parts[p].length;
        p++;
      }
      const idx = parts[p][off];
      const x = idx % sx;
      const y = Math.floor(idx / sx) % sy;
      const z = Math.floor(idx / (sx * sy));
      coords[t * 3] = z;
      coords[t * 3 + 1] = y;
      coords[t * 3 + 2] = x;
    }
    out[key] = coords;
  }
  return out;
}
