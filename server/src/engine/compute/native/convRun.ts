/**
 * Convolutions on Float32Arrays: oneDNN when it takes the shape, else the cpu backend's original
 * kernel (with a one-time warning per shape). Shared by the standard tfjs kernels and the fused ones.
 */
import { callOriginal, type CpuBackend, type NativeContext, takeValues, type TensorInfo } from './context';
import { type ConvDims, dimsFrom2D, dimsFrom3D, size, specOf } from './spec';

type Pad = 'same' | 'valid' | number | number[][];
export interface ConvGeom {
  nsp: 2 | 3;
  strides: number | number[];
  pad: Pad;
  dilations?: number | number[];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export const kernelNames = (nsp: 2 | 3) =>
  nsp === 3
    ? { fwd: 'Conv3D', bwdData: 'Conv3DBackpropInputV2', bwdWeights: 'Conv3DBackpropFilterV2' }
    : { fwd: 'Conv2D', bwdData: 'Conv2DBackpropInput', bwdWeights: 'Conv2DBackpropFilter' };

export function convDims(ctx: NativeContext, g: ConvGeom, xShape: number[], fShape: number[]): { dims: ConvDims | string; outShape: number[] } {
  const bu = ctx.tf.backend_util;
  if (g.nsp === 3) {
    const i = bu.computeConv3DInfo(xShape as never, fShape as never, g.strides as never, (g.dilations ?? 1) as never, g.pad as never);
    return { dims: dimsFrom3D(i), outShape: i.outShape };
  }
  const i = bu.computeConv2DInfo(xShape as never, fShape as never, g.strides as never, (g.dilations ?? 1) as never, g.pad as never, g.dimRoundingMode, false, 'channelsLast');
  return { dims: dimsFrom2D(i), outShape: i.outShape };
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
  strides: g.strides, pad: g.pad, dilations: g.dilations ?? 1, dimRoundingMode: g.dimRoundingMode,
  dataFormat: g.nsp === 3 ? 'NDHWC' : 'NHWC',
});

/** y = conv(x, w) (+ bias). */
export function runForward(
  ctx: NativeContext, be: CpuBackend, g: ConvGeom, x: TensorInfo, xv: Float32Array, w: TensorInfo, wv: Float32Array,
  bias: Float32Array | null,
): { y: Float32Array; shape: number[] } {
  const { dims, outShape } = convDims(ctx, g, x.shape, w.shape);
  const names = kernelNames(g.nsp);
  const y = new Float32Array(size(outShape));
  if (tryNative(ctx, names.fwd, dims, (spec) => ctx.addon.convForward(spec, xv, wv, bias, y))) return { y, shape: outShape };
  const out = takeValues(be, callOriginal(ctx, names.fwd, { inputs: { x, filter: w }, backend: be, attrs: origAttrs(g) as never }) as TensorInfo);
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
  const dx = new Float32Array(size(inputShape));
  if (tryNative(ctx, names.bwdData, dims, (spec) => ctx.addon.convBackwardData(spec, dyv, wv, dx))) return dx;
  const dy = dyInfo ?? be.makeTensorInfo(dyShape, 'float32', dyv);
  try {
    const r = callOriginal(ctx, names.bwdData, { inputs: { dy, filter: w }, backend: be, attrs: { ...origAttrs(g), inputShape } as never });
    return takeValues(be, r as TensorInfo);
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
  const dw = new Float32Array(size(filterShape));
  const Co = filterShape[filterShape.length - 1];
  const dbias = wantBias ? new Float32Array(Co) : null;
  if (tryNative(ctx, names.bwdWeights, dims, (spec) => ctx.addon.convBackwardWeights(spec, xv, dyv, dw, dbias))) return { dw, dbias };
  const dy = dyInfo ?? be.makeTensorInfo(dyShape, 'float32', dyv);
  try {
    const r = callOriginal(ctx, names.bwdWeights, { inputs: { x, dy }, backend: be, attrs: { ...origAttrs(g), filterShape } as never });
    if (dbias) {
      const acc = new Float64Array(Co);
      for (let i = 0; i < dyv.length; i += Co) for (let c = 0; c < Co; c++) acc[c] += dyv[i + c];
      dbias.set(acc);
    }
    return { dw: takeValues(be, r as TensorInfo), dbias };
  } finally {
    if (!dyInfo) be.disposeData(dy.dataId, true);
  }
}
