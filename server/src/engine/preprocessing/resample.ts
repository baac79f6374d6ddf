/**
 * nnU-Net's resampling (nnunetv2/preprocessing/resampling/default_resampling.py): a whole-volume resize,
 * or for anisotropic data ("separate z") an in-plane resize of every slice followed by nearest-neighbour
 * interpolation along the out-of-plane axis.
 */
import { ANISO_THRESHOLD } from '../planning/planner';
import { resize, resizeLabelsLinear, type Order } from './resize';

export interface ResamplingSettings {
  is_seg: boolean;
  order: number;
  order_z: number;
  force_separate_z: boolean | null;
}

function lowresAxes(spacing: number[]): number[] {
  const mx = Math.max(...spacing);
  return spacing.map((s, i) => (mx / s === 1 ? i : -1)).filter((i) => i >= 0);
}

function anisotropic(spacing: number[], threshold: number): boolean {
  return Math.max(...spacing) / Math.min(...spacing) > threshold;
}

/** nnU-Net's determine_do_sep_z_and_axis. */
export function separateZAxis(
  forceSeparateZ: boolean | null,
  currentSpacing: number[],
  newSpacing: number[],
  threshold = ANISO_THRESHOLD,
): number | null {
  let axes: number[] | null;
  if (forceSeparateZ !== null) {
    axes = forceSeparateZ ? lowresAxes(currentSpacing) : null;
  } else if (anisotropic(currentSpacing, threshold)) {
    axes = lowresAxes(currentSpacing);
  } else if (anisotropic(newSpacing, threshold)) {
    axes = lowresAxes(newSpacing);
  } else {
    axes = null;
  }
  // two or three equally coarse axes (e.g. 0.24, 1.25, 1.25): no separate z
  if (!axes || axes.length !== 1) return null;
  return axes[0];
}

type Labels = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Float32Array;

function product(v: number[]): number {
  return v.reduce((a, b) => a * b, 1);
}

/** Nearest-neighbour along one axis as scipy's map_coordinates(order 0, mode 'nearest'), other axes kept. */
function nearestAlongAxis<T extends Float32Array | Labels>(src: T, shape: number[], axis: number, m: number, dst: T): void {
  const n = shape[axis];
  const outer = product(shape.slice(0, axis));
  const inner = product(shape.slice(axis + 1));
  const scale = n / m;
  for (let k = 0; k < m; k++) {
    const cc = scale * (k + 0.5) - 0.5;
    const j = Math.min(Math.max(Math.floor(cc + 0.5), 0), n - 1);
    for (let o = 0; o < outer; o++) {
      const s = (o * n + j) * inner;
      const d = (o * m + k) * inner;
      for (let i = 0; i < inner; i++) dst[d + i] = src[s + i];
    }
  }
}

function sliceOf<T extends Float32Array | Labels>(src: T, shape: number[], axis: number, index: number): { data: T; shape: number[] } {
  const outer = product(shape.slice(0, axis));
  const inner = product(shape.slice(axis + 1));
  const n = shape[axis];
  const data = new (src.constructor as new (n: number) => T)(outer * inner);
  for (let o = 0; o < outer; o++) {
    const s = (o * n + index) * inner;
    data.set(src.subarray(s, s + inner) as never, o * inner);
  }
  return { data, shape: shape.filter((_, i) => i !== axis) };
}

function putSlice<T extends Float32Array | Labels>(dst: T, shape: number[], axis: number, index: number, slice: T): void {
  const outer = product(shape.slice(0, axis));
  const inner = product(shape.slice(axis + 1));
  const n = shape[axis];
  for (let o = 0; o < outer; o++) dst.set(slice.subarray(o * inner, (o + 1) * inner) as never, (o * n + index) * inner);
}

function resizeOne<T extends Float32Array | Labels>(src: T, shape: number[], outShape: number[], isSeg: boolean, order: number, out: T): T {
  if (isSeg) {
    if (order === 0) {
      const tmp = resize(src, shape, outShape, 0);
      for (let i = 0; i < out.length; i++) out[i] = tmp[i];
      return out;
    }
    if (order !== 1) throw new Error(`label resampling supports order 0 or 1, not ${order}`);
    return resizeLabelsLinear(src as Labels, shape, outShape, out as Labels) as T;
  }
  if (order !== 0 && order !== 1 && order !== 3) throw new Error(`image resampling supports order 0, 1 or 3, not ${order}`);
  resize(src, shape, outShape, order as Order, { out: out as Float32Array });
  return out;
}

/**
 * nnU-Net's resample_data_or_seg for one channel: `shape` -> `newShape`, separately along `axis` when it is
 * not null (in-plane with `order`, out-of-plane nearest: nnSeg supports nnU-Net's default order_z 0).
 */
export function resampleChannel<T extends Float32Array | Labels>(
  src: T,
  shape: number[],
  newShape: number[],
  opts: { isSeg: boolean; order: number; orderZ: number; axis: number | null },
): T {
  const make = (n: number) => new (src.constructor as new (n: number) => T)(n);
  if (shape.every((s, i) => s === newShape[i])) return src;
  if (opts.axis === null) return resizeOne(src, shape, newShape, opts.isSeg, opts.order, make(product(newShape)));
  if (opts.orderZ !== 0) throw new Error('nnSeg resamples the out-of-plane axis with order_z 0 (nnU-Net default) only');
  const axis = opts.axis;
  const mid = newShape.slice();
  mid[axis] = shape[axis];
  const inPlaneOut = newShape.filter((_, i) => i !== axis);
  const reshaped = make(product(mid));
  for (let s = 0; s < shape[axis]; s++) {
    const sl = sliceOf(src, shape, axis, s);
    const r = resizeOne(sl.data, sl.shape, inPlaneOut, opts.isSeg, opts.order, make(product(inPlaneOut)));
    putSlice(reshaped, mid, axis, s, r);
  }
  if (shape[axis] === newShape[axis]) return reshaped;
  const out = make(product(newShape));
  nearestAlongAxis(reshaped, mid, axis, newShape[axis], out);
  return out;
}

/** resample_data_or_seg_to_shape: decides separate-z from the spacings, then resamples every channel. */
export function resampleToShape<T extends Float32Array | Labels>(
  channels: T[],
  shape: number[],
  newShape: number[],
  currentSpacing: number[],
  newSpacing: number[],
  settings: ResamplingSettings,
): T[] {
  const axis = separateZAxis(settings.force_separate_z, currentSpacing, newSpacing);
  return channels.map((c) =>
    resampleChannel(c, shape, newShape, { isSeg: settings.is_seg, order: settings.order, orderZ: settings.order_z, axis }),
  );
}
