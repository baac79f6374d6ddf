/**
 * Convolutions on Float32Arrays: oneDNN when it takes the shape, else the cpu backend's original
 * kernel (with a one-time warning per shape). Shared by the standard tfjs kernels and the fused ones.
 */
import { callOriginal, type CpuBackend, type NativeContext, takeValues, type TensorInfo } from './context';
import { checkedDims, type ConvDims, dimsFrom2D, dimsFrom3D, size, specOf } from './spec';

type Pad = 'same' | 'valid' | number | number[][];
export interface ConvGeom {
  nsp: 2 | 3;
  strides: number | number[];
  pad: Pad;
  dilations?: number | number[];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /**
   * Symmetric zero padding per spatial axis (PyTorch's rule: out = floor((in + 2p - k) / s) + 1);
   * overrides `pad`. tfjs kernels have no per-axis padding, so the fallback pads x explicitly.
   */
  pads?: number[];
}

export const kernelNames = (nsp: 2 | 3) =>
  nsp === 3
    ? { fwd: 'Conv3D', bwdData: 'Conv3DBackpropInputV2', bwdWeights: 'Conv3DBackpropFilterV2' }
    : { fwd: 'Conv2D', bwdData: 'Conv2DBackpropInput', bwdWeights: 'Conv2DBackpropFilter' };

export function convDims(ctx: NativeContext, g: ConvGeom, xShape: number[], fShape: number[]): { dims: ConvDims | string; outShape: number[] } {
  const bu = ctx.tf.backend_util;
  if (g.pads) return padsDims(g, xShape, fShape);
  if (g.nsp === 3) {
    const i = bu.computeConv3DInfo(xShape as never, fShape as never, g.strides as never, (g.dilations ?? 1) as never, g.pad as never);
    return { dims: dimsFrom3D(i), outShape: i.outShape };
  }
  const i = bu.computeConv2DInfo(xShape as never, fShape as never, g.strides as never, (g.dilations ?? 1) as never, g.pad as never, g.dimRoundingMode, false, 'channelsLast');
  return { dims: dimsFrom2D(i), outShape: i.outShape };
}

const perAxis = (nsp: number, v: number | number[]) => (typeof v === 'number' ? new Array(nsp).fill(v) : v.length === 1 ? new Array(nsp).fill(v[0]) : v.slice(0, nsp));

function padsDims(g: ConvGeom, xShape: number[], fShape: number[]): { dims: ConvDims | string; outShape: number[] } {
  const nsp = g.nsp;
  const s = perAxis(nsp, g.strides), p = g.pads!.slice(0, nsp);
  const inS = xShape.slice(1, 1 + nsp), k = fShape.slice(0, nsp);
  const outS = inS.map((v, a) => Math.floor((v + 2 * p[a] - k[a]) / s[a]) + 1);
  const Co = fShape[nsp + 1];
  const dims = checkedDims({ nsp, N: xShape[0], Ci: xShape[nsp + 1], Co, inS, k, outS, s, pl: p, pr: p });
  return { dims, outShape: [xShape[0], ...outS, Co] };
}

/** Zero-pads a channels-last tensor by p[a] on both sides of each spatial axis. */
function padded(v: Float32Array, shape: number[], p: number[]): { v: Float32Array; shape: number[] } {
  const nsp = shape.length - 2;
  const [N, C] = [shape[0], shape[nsp + 1]];
  const sp = nsp === 3 ? shape.slice(1, 4) : [1, ...shape.slice(1, 3)];
  const pp = nsp === 3 ? p : [0, ...p];
  const out = sp.map((d, a) => d + 2 * pp[a]);
  const r = new Float32Array(N * out[0] * out[1] * out[2] * C);
  const row = sp[2] * C;
  for (let n = 0; n < N; n++) for (let d = 0; d < sp[0]; d++) for (let h = 0; h < sp[1]; h++) {
    const src = ((n * sp[0] + d) * sp[1] + h) * row;
    const dst = (((n * out[0] + d + pp[0]) * out[1] + h + pp[1]) * out[2] + pp[2]) * C;
    r.set(v.subarray(src, src + row), dst);
  }
  return { v: r, shape: [N, ...(nsp === 3 ? out : out.slice(1)), C] };
}

/** The inverse of padded(): the interior of a padded channels-last tensor. */
function cropped(v: Float32Array, paddedShape: number[], p: number[]): Float32Array {
  const nsp = paddedShape.length - 2;
  const [N, C] = [paddedShape[0], paddedShape[nsp + 1]];
  const out = nsp === 3 ? paddedShape.slice(1, 4) : [1, ...paddedShape.slice(1, 3)];
  const pp = nsp === 3 ? p : [0, ...p];
  const sp = out.map((d, a) => d - 2 * pp[a]);
  const r = new Float32Array(N * sp[0] * sp[1] * sp[2] * C);
  const row = sp[2] * C;
  for (let n = 0; n < N; n++) for (let d = 0; d < sp[0]; d++) for (let h = 0; h < sp[1]; h++) {
    const dst = ((n * sp[0] + d) * sp[1] + h) * row;
    const src = (((n * out[0] + d + pp[0]) * out[1] + h + pp[1]) * out[2] + pp[2]) * C;
    r.set(v.subarray(src, src + row), dst);
  }
  return r;
}

/** Runs `call` on the addon unless the shape is known to fail; false means: use the fallback. */
export function tryNative(ctx: NativeContext, kernel: string, dims: ConvDims | string, call: (spec: Int32Array) => void): boolean {
  if (typeof dims === 'string') {
    ctx.warn(`${kernel}:${dims}`, `${kernel}: ${dims} is not supported by the oneDNN kernels; using the cpu backend's kernel for it`);
    return false;
  }
  const spec = specOf(dims);
  const key = `${kernel}:${spec.join(',')}`;
  if (ctx.failed.has(key)) return false;
  try {
    call(spec);
    return true;
  } catch (err) {
    ctx.failed.add(key);
    ctx.warn(key, `${kernel}: oneDNN rejected shape [${spec.join(',')}] (${(err as Error).message}); using the cpu backend's kernel for it`);
    return false;
  }
}

const origAttrs = (g: ConvGeom) => ({
  strides: g.strides, pad: g.pads ? 'valid' : g.pad, dilations: g.dilations ?? 1, dimRoundingMode: g.dimRoundingMode,
  dataFormat: g.nsp === 3 ? 'NDHWC' : 'NHWC',
});

/** y = conv(x, w) (+ bias). */
export function runForward(
  ctx: NativeContext, be: CpuBackend, g: ConvGeom, x: TensorInfo, xv: Float32Array, w: TensorInfo, wv: Float32Array,
  bias: Float32Array | null,
): { y: Float32Array; shape: number[] } {
  const { dims, outShape } = convDims(ctx, g, x.shape, w.shape);
  const names = kernelNames(g.nsp);
  const y = ctx.pool.alloc(size(outShape));
  if (tryNative(ctx, names.fwd, dims, (spec) => ctx.addon.convForward(spec, xv, wv, bias, y))) return { y, shape: outShape };
  let out: Float32Array;
  if (g.pads) {
    const xp = padded(xv, x.shape, g.pads);
    const xi = be.makeTensorInfo(xp.shape, 'float32', xp.v);
    try {
      out = takeValues(ctx, be, callOriginal(ctx, names.fwd, { inputs: { x: xi, filter: w }, backend: be, attrs: origAttrs(g) as never }) as TensorInfo);
    } finally {
      be.disposeData(xi.dataId, true);
    }
  } else out = takeValues(ctx, be, callOriginal(ctx, names.fwd, { inputs: { x, filter: w }, backend: be, attrs: origAttrs(g) as never }) as TensorInfo);
  if (bias) {
    const C = bias.length;
    for (let i = 0; i < out.length; i += C) for (let c = 0; c < C; c++) out[i + c] += bias[c];
  }
  return { y: out, shape: outShape };
}

/** dx = conv backward-data(dy, w) for an input of inputShape. */
export function runBackwardData(
  ctx: NativeContext, be: CpuBackend, g: ConvGeom, inputShape: number[], dyShape: number[], dyv: Float32Array,
  w: TensorInfo, wv: Float32Array, dyInfo?: TensorInfo,
): Float32Array {
  const { dims } = convDims(ctx, g, inputShape, w.shape);
  const names = kernelNames(g.nsp);
  const dx = ctx.pool.alloc(size(inputShape));
  if (tryNative(ctx, names.bwdData, dims, (spec) => ctx.addon.convBackwardData(spec, dyv, wv, dx))) return dx;
  const dy = dyInfo ?? be.makeTensorInfo(dyShape, 'float32', dyv);
  try {
    if (g.pads) {
      const ps = inputShape.map((d, a) => (a >= 1 && a <= g.nsp ? d + 2 * g.pads![a - 1] : d));
      const r = callOriginal(ctx, names.bwdData, { inputs: { dy, filter: w }, backend: be, attrs: { ...origAttrs(g), inputShape: ps } as never });
      return cropped(takeValues(ctx, be, r as TensorInfo), ps, g.pads);
    }
    const r = callOriginal(ctx, names.bwdData, { inputs: { dy, filter: w }, backend: be, attrs: { ...origAttrs(g), inputShape } as never });
    return takeValues(ctx, be, r as TensorInfo);
  } finally {
    if (!dyInfo) be.disposeData(dy.dataId, true);
  }
}

/** dw = conv backward-weights(x, dy) for a filter of filterShape; dbias = sum of dy when wanted. */
export function runBackwardWeights(
  ctx: NativeContext, be: CpuBackend, g: ConvGeom, x: TensorInfo, xv: Float32Array, dyShape: number[], dyv: Float32Array,
  filterShape: number[], wantBias: boolean, dyInfo?: TensorInfo,
): { dw: Float32Array; dbias: Float32Array | null } {
  const { dims } = convDims(ctx, g, x.shape, filterShape);
  const names = kernelNames(g.nsp);
  const dw = ctx.pool.alloc(size(filterShape));
  const Co = filterShape[filterShape.length - 1];
  const dbias = wantBias ? new Float32Array(Co) : null;
  if (tryNative(ctx, names.bwdWeights, dims, (spec) => ctx.addon.convBackwardWeights(spec, xv, dyv, dw, dbias))) return { dw, dbias };
  const dy = dyInfo ?? be.makeTensorInfo(dyShape, 'float32', dyv);
  const xp = g.pads ? padded(xv, x.shape, g.pads) : null;
  const xi = xp ? be.makeTensorInfo(xp.shape, 'float32', xp.v) : x;
  try {
    const r = callOriginal(ctx, names.bwdWeights, { inputs: { x: xi, dy }, backend: be, attrs: { ...origAttrs(g), filterShape } as never });
    if (dbias) {
      const acc = new Float64Array(Co);
      for (let i = 0; i < dyv.length; i += Co) for (let c = 0; c < Co; c++) acc[c] += dyv[i + c];
      dbias.set(acc);
    }
    return { dw: takeValues(ctx, be, r as TensorInfo), dbias };
  } finally {
    if (!dyInfo) be.disposeData(dy.dataId, true);
    if (xp) be.disposeData(xi.dataId, true);
  }
}
