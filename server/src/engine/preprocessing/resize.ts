/**
 * skimage.transform.resize(image, shape, order, mode='edge', anti_aliasing=False, clip=True), which is what
 * nnU-Net resamples with. In skimage >= 0.19 that is scipy.ndimage.zoom(order, mode='nearest',
 * grid_mode=True) followed by clipping to the input's value range. For order 3 scipy pads 12 edge voxels
 * per side, applies the cubic B-spline prefilter (reflect boundary) and evaluates the spline with pixel
 * centres aligned: source coordinate (k + 0.5) * in/out - 0.5.
 *
 * scipy evaluates the 4^3 taps per output voxel directly; a tensor-product spline is separable, so here each
 * axis is one pass (prefilter the line, then 4 taps per output), which is the same interpolant with
 * different rounding (differences ~1e-6 relative, see bench/resample.ts) at a fraction of the work.
 */

export type Order = 0 | 1 | 3;

const POLE = -0.2679491924311227; // sqrt(3) - 2, scipy's cubic pole
const PAD = 12; // scipy's _prepad_for_spline_filter for mode 'nearest'
const BLOCK = 2048; // inner elements filtered together (keeps the line buffer in cache)

type Floats = Float32Array | Float64Array;

/** Per output index along one axis: the taps' source indices (clamped, as mode 'nearest') and weights. */
interface Taps {
  n: number;
  index: Int32Array;
  weight: Float64Array;
}

function tapsFor(inLen: number, outLen: number, order: Order): Taps {
  const zoom = inLen / outLen;
  const n = order + 1;
  const len = order === 3 ? inLen + 2 * PAD : inLen;
  const index = new Int32Array(outLen * n);
  const weight = new Float64Array(outLen * n);
  for (let k = 0; k < outLen; k++) {
    let cc = (k + 0.5) * zoom - 0.5;
    if (order === 3) cc += PAD;
    const start = order & 1 ? Math.floor(cc) - (order >> 1) : Math.floor(cc + 0.5) - (order >> 1);
    for (let j = 0; j < n; j++) index[k * n + j] = Math.min(Math.max(start + j, 0), len - 1);
    const w = weight.subarray(k * n, k * n + n);
    if (order === 0) w[0] = 1;
    else if (order === 1) {
      const x = cc - Math.floor(cc);
      w[0] = 1 - x;
      w[1] = 1 - w[0];
    } else {
      const x = cc - Math.floor(cc);
      const z = 1 - x;
      w[1] = (x * x * (x - 2) * 3 + 4) / 6;
      w[2] = (z * z * (z - 2) * 3 + 4) / 6;
      w[0] = (z * z * z) / 6;
      w[3] = 1 - w[0] - w[1] - w[2];
    }
  }
  return { n, index, weight };
}

/**
 * In-place cubic B-spline prefilter of `count` interleaved lines of length n (element p of line i at
 * c[p * stride + i]), scipy's apply_filter with the 'reflect' initialisation used for mode 'nearest'.
 */
function prefilter(c: Float64Array, n: number, stride: number, count: number): void {
  const z = POLE;
  const gain = (1 - z) * (1 - 1 / z);
  const total = n * stride;
  for (let q = 0; q < total; q++) c[q] *= gain;
  if (n < 2) return;
  const zn = Math.pow(z, n);
  const norm = z / (1 - zn * zn);
  const last = (n - 1) * stride;
  for (let i = 0; i < count; i++) {
    let sum = c[i] + zn * c[last + i];
    let zi = z;
    for (let p = 1; p < n; p++) {
      sum += zi * (c[p * stride + i] + zn * c[(n - 1 - p) * stride + i]);
      zi *= z;
      if (Math.abs(zi) < 1e-18) break; // the remaining terms are below double precision
    }
    c[i] += sum * norm;
  }
  for (let p = 1; p < n; p++) {
    const row = p * stride;
    const prev = row - stride;
    for (let i = 0; i < count; i++) c[row + i] += z * c[prev + i];
  }
  const anti = z / (z - 1);
  for (let i = 0; i < count; i++) c[last + i] *= anti;
  for (let p = n - 2; p >= 0; p--) {
    const row = p * stride;
    const next = row + stride;
    for (let i = 0; i < count; i++) c[row + i] = z * (c[next + i] - c[row + i]);
  }
}

/**
 * One separable pass along the middle axis of an [outer, n, inner] array, to [outer, m, inner], restricted to
 * outer indices [o0, o1) and inner indices [i0, i1) (so worker threads can share a pass).
 */
export function passRange(
  src: Floats,
  outer: number,
  n: number,
  inner: number,
  m: number,
  order: Order,
  dst: Floats,
  o0 = 0,
  o1 = outer,
  i0 = 0,
  i1 = inner,
): void {
  const taps = tapsFor(n, m, order);
  const { index, weight } = taps;
  const t = taps.n;
  if (order !== 3) {
    // direct taps on the source (no prefilter)
    if (inner === 1) {
      for (let o = o0; o < o1; o++) {
        const sb = o * n;
        const db = o * m;
        for (let k = 0; k < m; k++) {
          let s = 0;
          for (let j = 0; j < t; j++) s += weight[k * t + j] * src[sb + index[k * t + j]];
          dst[db + k] = s;
        }
      }
      return;
    }
    for (let o = o0; o < o1; o++) {
      for (let k = 0; k < m; k++) {
        const db = (o * m + k) * inner;
        if (t === 1) {
          const sb = (o * n + index[k]) * inner;
          for (let i = i0; i < i1; i++) dst[db + i] = src[sb + i];
        } else {
          const s0 = (o * n + index[k * 2]) * inner;
          const s1 = (o * n + index[k * 2 + 1]) * inner;
          const w0 = weight[k * 2];
          const w1 = weight[k * 2 + 1];
          for (let i = i0; i < i1; i++) dst[db + i] = w0 * src[s0 + i] + w1 * src[s1 + i];
        }
      }
    }
    return;
  }
  const len = n + 2 * PAD;
  if (inner === 1) {
    const c = new Float64Array(len);
    for (let o = o0; o < o1; o++) {
      const sb = o * n;
      for (let p = 0; p < len; p++) c[p] = src[sb + Math.min(Math.max(p - PAD, 0), n - 1)];
      prefilter(c, len, 1, 1);
      const db = o * m;
      for (let k = 0; k < m; k++) {
        const q = k * 4;
        dst[db + k] =
          weight[q] * c[index[q]] + weight[q + 1] * c[index[q + 1]] + weight[q + 2] * c[index[q + 2]] + weight[q + 3] * c[index[q + 3]];
      }
    }
    return;
  }
  const block = Math.min(BLOCK, i1 - i0);
  const c = new Float64Array(len * block);
  for (let o = o0; o < o1; o++) {
    for (let b0 = i0; b0 < i1; b0 += block) {
      const w = Math.min(block, i1 - b0);
      for (let p = 0; p < len; p++) {
        const sb = (o * n + Math.min(Math.max(p - PAD, 0), n - 1)) * inner + b0;
        const cb = p * block;
        for (let i = 0; i < w; i++) c[cb + i] = src[sb + i];
      }
      prefilter(c, len, block, w);
      for (let k = 0; k < m; k++) {
        const q = k * 4;
        const c0 = index[q] * block;
        const c1 = index[q + 1] * block;
        const c2 = index[q + 2] * block;
        const c3 = index[q + 3] * block;
        const w0 = weight[q];
        const w1 = weight[q + 1];
        const w2 = weight[q + 2];
        const w3 = weight[q + 3];
        const db = (o * m + k) * inner + b0;
        for (let i = 0; i < w; i++) dst[db + i] = w0 * c[c0 + i] + w1 * c[c1 + i] + w2 * c[c2 + i] + w3 * c[c3 + i];
      }
    }
  }
}

function minMax(a: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The passes resize() makes: axis order (strongest reduction first) and the shape before each pass. */
export function passPlan(shape: number[], outShape: number[]): { axis: number; before: number[] }[] {
  const axes = shape.map((_, i) => i).filter((i) => shape[i] !== outShape[i]);
  axes.sort((a, b) => outShape[a] / shape[a] - outShape[b] / shape[b]);
  const cur = shape.slice();
  return axes.map((axis) => {
    const before = cur.slice();
    cur[axis] = outShape[axis];
    return { axis, before };
  });
}

export function clipTo(out: Floats, lo: number, hi: number, from = 0, to = out.length): void {
  for (let i = from; i < to; i++) {
    const v = out[i];
    if (v < lo) out[i] = lo;
    else if (v > hi) out[i] = hi;
  }
}

export { minMax };

export interface ResizeOptions {
  /** Clip the result to the input's value range (skimage's clip=True, nnU-Net's setting). */
  clip?: boolean;
  /** Output array (length = product of outShape); a new Float32Array otherwise. */
  out?: Floats;
}

/**
 * Resizes a C-order array of any rank (shape `shape`) to `outShape` with spline order 0, 1 or 3, exactly
 * as skimage.transform.resize with mode='edge', anti_aliasing=False.
 */
export function resize(data: ArrayLike<number>, shape: number[], outShape: number[], order: Order, opts: ResizeOptions = {}): Floats {
  const total = outShape.reduce((a, b) => a * b, 1);
  const out = opts.out ?? new Float32Array(total);
  if (out.length !== total) throw new Error(`resize: output length ${out.length} != ${total}`);
  const clip = opts.clip ?? true;
  const [lo, hi] = clip ? minMax(data) : [0, 0];
  // axes with the strongest reduction first: later passes then touch fewer voxels
  const axes = shape.map((_, i) => i).filter((i) => shape[i] !== outShape[i]);
  axes.sort((a, b) => outShape[a] / shape[a] - outShape[b] / shape[b]);
  let cur: Floats | ArrayLike<number> = data;
  const curShape = shape.slice();
  if (axes.length === 0) {
    for (let i = 0; i < total; i++) out[i] = data[i];
  }
  axes.forEach((axis, step) => {
    const outer = curShape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = curShape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const n = curShape[axis];
    const m = outShape[axis];
    const lastStep = step === axes.length - 1;
    const dst: Floats = lastStep ? out : new Float32Array(outer * m * inner);
    passRange(cur as Floats, outer, n, inner, m, order, dst);
    curShape[axis] = m;
    cur = dst;
  });
  if (clip && order > 1) {
    for (let i = 0; i < total; i++) {
      const v = out[i];
      if (v < lo) out[i] = lo;
      else if (v > hi) out[i] = hi;
    }
  }
  return out;
}

/** Per-label sums of tap weights, in the order the taps come (scipy's summation order). */
class Accumulator {
  private readonly labs: Float64Array;
  private readonly sums: Float64Array;
  private n = 0;
  constructor(size: number) {
    this.labs = new Float64Array(size);
    this.sums = new Float64Array(size);
  }
  reset(): void {
    this.n = 0;
  }
  add(label: number, w: number): void {
    let j = 0;
    while (j < this.n && this.labs[j] !== label) j++;
    if (j === this.n) {
      this.labs[j] = label;
      this.sums[j] = 0;
      this.n++;
    }
    this.sums[j] += w;
  }
  /** The highest label whose sum reaches 0.5 (later labels overwrite earlier ones in nnU-Net), else 0. */
  winner(): number {
    let best = 0;
    let found = false;
    for (let j = 0; j < this.n; j++) {
      if (this.sums[j] >= 0.5 && (!found || this.labs[j] > best)) {
        best = this.labs[j];
        found = true;
      }
    }
    return found ? best : 0;
  }
}

type LabelArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Float32Array;

/** The 3D case of resizeLabelsLinear with per-axis taps hoisted; where all 8 taps agree, that label wins. */
function labels3d<T extends LabelArray>(labels: T, shape: number[], outShape: number[], taps: Taps[], out: T): T {
  const [, Y, X] = shape;
  const [OZ, OY, OX] = outShape;
  const [tz, ty, tx] = taps;
  const acc = new Accumulator(8);
  const idx = new Int32Array(8);
  let v = 0;
  for (let z = 0; z < OZ; z++) {
    const z0 = tz.index[z * 2] * Y * X;
    const z1 = tz.index[z * 2 + 1] * Y * X;
    const wz0 = tz.weight[z * 2];
    const wz1 = tz.weight[z * 2 + 1];
    for (let y = 0; y < OY; y++) {
      const y0 = ty.index[y * 2] * X;
      const y1 = ty.index[y * 2 + 1] * X;
      // scipy multiplies the axis weights in axis order: ((1 * wz) * wy) * wx
      const w00 = wz0 * ty.weight[y * 2];
      const w01 = wz0 * ty.weight[y * 2 + 1];
      const w10 = wz1 * ty.weight[y * 2];
      const w11 = wz1 * ty.weight[y * 2 + 1];
      for (let x = 0; x < OX; x++, v++) {
        const x0 = tx.index[x * 2];
        const x1 = tx.index[x * 2 + 1];
        idx[0] = z0 + y0 + x0;
        idx[1] = z0 + y0 + x1;
        idx[2] = z0 + y1 + x0;
        idx[3] = z0 + y1 + x1;
        idx[4] = z1 + y0 + x0;
        idx[5] = z1 + y0 + x1;
        idx[6] = z1 + y1 + x0;
        idx[7] = z1 + y1 + x1;
        const l0 = labels[idx[0]];
        if (
          l0 === labels[idx[1]] &&
          l0 === labels[idx[2]] &&
          l0 === labels[idx[3]] &&
          l0 === labels[idx[4]] &&
          l0 === labels[idx[5]] &&
          l0 === labels[idx[6]] &&
          l0 === labels[idx[7]]
        ) {
          out[v] = l0;
          continue;
        }
        const wx0 = tx.weight[x * 2];
        const wx1 = tx.weight[x * 2 + 1];
        acc.reset();
        acc.add(labels[idx[0]], w00 * wx0);
        acc.add(labels[idx[1]], w00 * wx1);
        acc.add(labels[idx[2]], w01 * wx0);
        acc.add(labels[idx[3]], w01 * wx1);
        acc.add(labels[idx[4]], w10 * wx0);
        acc.add(labels[idx[5]], w10 * wx1);
        acc.add(labels[idx[6]], w11 * wx0);
        acc.add(labels[idx[7]], w11 * wx1);
        out[v] = acc.winner();
      }
    }
  }
  return out;
}

/**
 * batchgenerators' resize_segmentation with order 1 (nnU-Net's label resampling): every label is resized
 * as a one-hot mask with linear interpolation and the output takes the highest label whose mask reaches
 * 0.5 (0 where none does). Done in one pass: per output voxel the 2^rank taps are summed per label in
 * scipy's footprint order, which gives scipy's sums bit for bit, so ties at 0.5 resolve as in nnU-Net.
 */
export function resizeLabelsLinear<T extends LabelArray>(
  labels: T,
  shape: number[],
  outShape: number[],
  out: T,
): T {
  const rank = shape.length;
  if (shape.every((s, i) => s === outShape[i])) {
    out.set(labels);
    return out;
  }
  const taps = shape.map((s, i) => tapsFor(s, outShape[i], 1));
  if (rank === 3) return labels3d(labels, shape, outShape, taps, out);
  if (rank === 2) return labels3d(labels, [1, ...shape], [1, ...outShape], [tapsFor(1, 1, 1), ...taps], out);
  const strides = new Array(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  const nTaps = 1 << rank;
  const coord = new Array(rank).fill(0);
  const total = out.length;
  const tapIndex = new Int32Array(nTaps);
  const tapWeight = new Float64Array(nTaps);
  const acc = new Accumulator(nTaps);
  for (let v = 0; v < total; v++) {
    // footprint in scipy's order: last axis fastest
    for (let h = 0; h < nTaps; h++) {
      let idx = 0;
      let w = 1;
      for (let a = 0; a < rank; a++) {
        const bit = (h >> (rank - 1 - a)) & 1;
        const k = coord[a] * 2 + bit;
        idx += taps[a].index[k] * strides[a];
        w *= taps[a].weight[k];
      }
      tapIndex[h] = idx;
      tapWeight[h] = w;
    }
    acc.reset();
    for (let h = 0; h < nTaps; h++) acc.add(labels[tapIndex[h]], tapWeight[h]);
    out[v] = acc.winner();
    for (let a = rank - 1; a >= 0; a--) {
      if (++coord[a] < outShape[a]) break;
      coord[a] = 0;
    }
  }
  return out;
}
