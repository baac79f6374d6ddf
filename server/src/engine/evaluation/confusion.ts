import type { LabelArray, Shape3 } from './types';

/** Per-label counts and the bounding box of the label in either map, from one pass over both volumes. */
export interface LabelCounts {
  label: number;
  tp: number;
  refCount: number;
  predCount: number;
  /** Inclusive box [z0, y0, x0, z1, y1, x1] over the voxels of the label in ref or pred; null if in neither. */
  box: [number, number, number, number, number, number] | null;
}

export interface ConfusionResult {
  counts: LabelCounts[];
  /** Voxels that count (all, minus the reference's ignore voxels). */
  total: number;
  /** Every distinct value found in ref and pred (for "label not in dataset.json" checks). */
  refValues: number[];
  predValues: number[];
}

/** Values that are not usable labels (fractions, NaN, a huge range); the caller names the file. */
export class LabelValueError extends Error {
  constructor(
    readonly which: 'ref' | 'pred',
    message: string,
  ) {
    super(message);
  }
}

const LUT_LIMIT = 1 << 22;

function valueRange(a: LabelArray, which: 'ref' | 'pred'): [number, number] {
  if (a.length === 0) return [0, 0];
  // Small integer types: their whole range makes a small table, so no pass is needed to find it.
  if (a instanceof Uint8Array) return [0, 255];
  if (a instanceof Int8Array) return [-128, 127];
  if (a instanceof Uint16Array) return [0, 65535];
  if (a instanceof Int16Array) return [-32768, 32767];
  let lo = Infinity;
  let hi = -Infinity;
  const float = a instanceof Float32Array || a instanceof Float64Array;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (float && Math.floor(v) !== v) throw new LabelValueError(which, `contains the value ${v}, which is not an integer label`);
  }
  return [lo, hi];
}

/**
 * One pass over both maps: for every label of interest the true positives, the voxel counts in ref and
 * pred, and the union bounding box (so surface distances later touch only the structure's box). Values are
 * mapped through a lookup table spanning [min, max] of both maps. Also returns the distinct values.
 */
export function confusionCounts(
  ref: LabelArray,
  pred: LabelArray,
  shape: Shape3,
  labels: number[] | undefined,
  ignoreLabel?: number,
): ConfusionResult {
  const n = shape[0] * shape[1] * shape[2];
  if (ref.length !== n || pred.length !== n) throw new Error(`array lengths ${ref.length}/${pred.length} do not match shape ${shape.join('x')}`);
  const [rlo, rhi] = valueRange(ref, 'ref');
  const [plo, phi] = valueRange(pred, 'pred');
  const lo = Math.min(rlo, plo);
  const hi = Math.max(rhi, phi);
  if (hi - lo + 1 > LUT_LIMIT) {
    const which = rhi - rlo >= phi - plo ? 'ref' : 'pred';
    throw new LabelValueError(which, `has label values from ${which === 'ref' ? rlo : plo} to ${which === 'ref' ? rhi : phi}, too wide a range for a label map`);
  }
  const span = hi - lo + 1;
  // Histograms over every value (cheap) give the distinct values and, when labels are not given, the labels.
  const refHist = new Float64Array(span);
  const predHist = new Float64Array(span);
  const tpHist = new Float64Array(span);
  // Per value box; a value is "tracked" when it is a label of interest (slot >= 0).
  const box = new Int32Array(span * 6);
  for (let v = 0; v < span; v++) {
    box[v * 6] = box[v * 6 + 1] = box[v * 6 + 2] = 0x7fffffff;
    box[v * 6 + 3] = box[v * 6 + 4] = box[v * 6 + 5] = -1;
  }
  if (ignoreLabel === 0) throw new Error('the ignore label cannot be 0 (background)');
  const ign = ignoreLabel === undefined || ignoreLabel < lo || ignoreLabel > hi ? -1 : ignoreLabel - lo;
  const zero = 0 - lo; // background never needs a box
  const [nz, ny, nx] = shape;
  let total = 0;
  let background = 0; // voxels where both are 0: the bulk, counted without touching the histograms
  const visit = (rv: number, pv: number, z: number, y: number, x: number) => {
    const r = rv - lo;
    if (r === ign) return;
    const p = pv - lo;
    total++;
    refHist[r]++;
    predHist[p]++;
    if (r === p) tpHist[r]++;
    if (r !== zero) growBox(box, r * 6, z, y, x);
    if (p !== zero && p !== r) growBox(box, p * 6, z, y, x);
  };
  // Byte label maps with rows of a multiple of 4 voxels (the usual case): four voxels at a time through
  // 32-bit words, skipping all-zero words.
  const words = ref instanceof Uint8Array && pred instanceof Uint8Array && ref.byteOffset % 4 === 0 && pred.byteOffset % 4 === 0 && nx % 4 === 0;
  const r32 = words ? new Uint32Array(ref.buffer, ref.byteOffset, n >> 2) : undefined;
  const p32 = words ? new Uint32Array(pred.buffer, pred.byteOffset, n >> 2) : undefined;
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const rowEnd = i + nx;
      if (r32 && p32) {
        for (let w = i >> 2, we = rowEnd >> 2; w < we; w++) {
          if ((r32[w] | p32[w]) === 0) {
            background += 4;
            continue;
          }
          for (let k = w << 2, e = k + 4; k < e; k++) {
            const rv = ref[k];
            const pv = pred[k];
            if (rv === 0 && pv === 0) background++;
            else visit(rv, pv, z, y, k - i);
          }
        }
      } else {
        for (let k = i; k < rowEnd; k++) {
          const rv = ref[k];
          const pv = pred[k];
          if (rv === 0 && pv === 0) background++;
          else visit(rv, pv, z, y, k - i);
        }
      }
      i = rowEnd;
    }
  }
  if (background > 0) {
    total += background;
    refHist[zero] += background;
    predHist[zero] += background;
    tpHist[zero] += background;
  }
  const refValues: number[] = [];
  const predValues: number[] = [];
  for (let v = 0; v < span; v++) {
    if (refHist[v] > 0) refValues.push(v + lo);
    if (predHist[v] > 0) predValues.push(v + lo);
  }
  const wanted = labels ?? [...new Set([...refValues, ...predValues])].filter((v) => v !== 0 && v !== ignoreLabel).sort((a, b) => a - b);
  const counts: LabelCounts[] = wanted.map((label) => {
    const v = label - lo;
    if (v < 0 || v >= span) return { label, tp: 0, refCount: 0, predCount: 0, box: null };
    const o = v * 6;
    const b: LabelCounts['box'] = box[o + 3] < 0 ? null : [box[o], box[o + 1], box[o + 2], box[o + 3], box[o + 4], box[o + 5]];
    return { label, tp: tpHist[v], refCount: refHist[v], predCount: predHist[v], box: b };
  });
  return { counts, total, refValues, predValues };
}

function growBox(box: Int32Array, o: number, z: number, y: number, x: number): void {
  if (z < box[o]) box[o] = z;
  if (y < box[o + 1]) box[o + 1] = y;
  if (x < box[o + 2]) box[o + 2] = x;
  if (z > box[o + 3]) box[o + 3] = z;
  if (y > box[o + 4]) box[o + 4] = y;
  if (x > box[o + 5]) box[o + 5] = x;
}
