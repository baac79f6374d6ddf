/**
 * The custom kernels of kernelNames.ts on the `cpu` backend: the fused conv + bias + instance norm +
 * leaky ReLU block and the k=s transposed convolution, each with its backward. Convolutions go through
 * convRun (oneDNN, or the cpu backend's kernel for shapes it rejects); the norm and activation always
 * run in the addon (OpenMP).
 */
import { CONV_NORM_ACT, CONV_NORM_ACT_GRAD, UP_CONV, UP_CONV_GRAD } from '../kernelNames';
import { type CpuBackend, f32, type KernelArgs, type KernelFunc, type NativeContext, type TensorInfo } from './context';
import { type ConvGeom, runBackwardData, runBackwardWeights, runForward } from './convRun';
import { size } from './spec';

interface FusedAttrs {
  strides?: number | number[];
  pads?: number[];
  /** Backward only: false when x needs no gradient (the network's input); dx is then zeros, not computed. */
  inputGrad?: boolean;
  eps?: number;
  slope?: number;
}

function floats(be: CpuBackend, kernel: string, named: Record<string, TensorInfo>): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(named)) {
    const v = t && f32(be, t);
    if (!v) throw new Error(`${kernel}: input '${k}' must be a float32 tensor on the cpu backend`);
    out[k] = v;
  }
  return out;
}

// dconv is dead once the backward kernel returns, so one growing buffer serves every call.
let scratch = new Float32Array(0);
function dconvScratch(n: number): Float32Array {
  if (scratch.length < n) scratch = new Float32Array(n);
  return scratch.subarray(0, n);
}

function convNormAct(ctx: NativeContext, nsp: 2 | 3, name: string): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const t = args.inputs as Record<string, TensorInfo>;
    const v = floats(be, name, { x: t.x, filter: t.filter, bias: t.bias, gamma: t.gamma, beta: t.beta });
    const a = (args.attrs ?? {}) as FusedAttrs;
    const g: ConvGeom = { nsp, strides: a.strides ?? 1, pad: 'same', pads: a.pads };
    const { y: conv, shape } = runForward(ctx, be, g, t.x, v.x, t.filter, v.filter, v.bias);
    const N = shape[0], C = shape[shape.length - 1], S = size(shape) / (N * C);
    const out = ctx.pool.alloc(conv.length), mean = new Float32Array(N * C), invStd = new Float32Array(N * C);
    ctx.addon.normActForward(Int32Array.of(N, S, C), conv, v.gamma, v.beta, out, mean, invStd, a.eps ?? 1e-5, a.slope ?? 0.01);
    return [
      be.makeTensorInfo(shape, 'float32', out),
      be.makeTensorInfo(shape, 'float32', conv),
      be.makeTensorInfo([N, C], 'float32', mean),
      be.makeTensorInfo([N, C], 'float32', invStd),
    ];
  };
}

function convNormActGrad(ctx: NativeContext, nsp: 2 | 3, name: string): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const t = args.inputs as Record<string, TensorInfo>;
    const v = floats(be, name, {
      dy: t.dy, x: t.x, filter: t.filter, conv: t.conv, mean: t.mean, invStd: t.invStd, gamma: t.gamma, beta: t.beta,
    });
    const a = (args.attrs ?? {}) as FusedAttrs;
    const g: ConvGeom = { nsp, strides: a.strides ?? 1, pad: 'same', pads: a.pads };
    const shape = t.conv.shape;
    const N = shape[0], C = shape[shape.length - 1], S = size(shape) / (N * C);
    const dconv = dconvScratch(v.conv.length);
    const dgamma = new Float32Array(C), dbeta = new Float32Array(C);
    ctx.addon.normActBackward(Int32Array.of(N, S, C), v.dy, v.conv, v.mean, v.invStd, v.gamma, v.beta, dconv, dgamma, dbeta, a.slope ?? 0.01);
    let dx: Float32Array;
    if (a.inputGrad === false) {
      dx = ctx.pool.alloc(v.x.length);
      dx.fill(0);
    } else dx = runBackwardData(ctx, be, g, t.x.shape, shape, dconv, t.filter, v.filter);
    const { dw, dbias } = runBackwardWeights(ctx, be, g, t.x, v.x, shape, dconv, t.filter.shape, true);
    return [
      be.makeTensorInfo(t.x.shape, 'float32', dx),
      be.makeTensorInfo(t.filter.shape, 'float32', dw),
      be.makeTensorInfo([C], 'float32', dbias as Float32Array),
      be.makeTensorInfo([C], 'float32', dgamma),
      be.makeTensorInfo([C], 'float32', dbeta),
    ];
  };
}

/** The strides of a kernel-equals-stride transposed conv, one per spatial axis. */
function upStrides(nsp: 2 | 3, strides: number | number[] | undefined, filterShape: number[]): number[] {
  if (strides === undefined) return filterShape.slice(0, nsp);
  return typeof strides === 'number' ? new Array(nsp).fill(strides) : strides.slice(0, nsp);
}

// A transposed conv from x to y is the backward-data of the conv from y to x whose filter, read as
// (D)HWIO, is tfjs's (D)HWOI transposed-conv filter; so both directions reuse the conv kernels.
function upConv(ctx: NativeContext, nsp: 2 | 3, name: string): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const t = args.inputs as Record<string, TensorInfo>;
    const v = floats(be, name, { x: t.x, filter: t.filter });
    const s = upStrides(nsp, (args.attrs as FusedAttrs | undefined)?.strides, t.filter.shape);
    const k = t.filter.shape;
    const yShape = [t.x.shape[0], ...s.map((st, i) => (t.x.shape[1 + i] - 1) * st + k[i]), k[nsp]];
    const g: ConvGeom = { nsp, strides: s, pad: 'valid' };
    return be.makeTensorInfo(yShape, 'float32', runBackwardData(ctx, be, g, yShape, t.x.shape, v.x, t.filter, v.filter, t.x));
  };
}

function upConvGrad(ctx: NativeContext, nsp: 2 | 3, name: string): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const t = args.inputs as Record<string, TensorInfo>;
    const v = floats(be, name, { dy: t.dy, x: t.x, filter: t.filter });
    const s = upStrides(nsp, (args.attrs as FusedAttrs | undefined)?.strides, t.filter.shape);
    const g: ConvGeom = { nsp, strides: s, pad: 'valid' };
    const { y: dx, shape } = runForward(ctx, be, g, t.dy, v.dy, t.filter, v.filter, null);
    const { dw } = runBackwardWeights(ctx, be, g, t.dy, v.dy, t.x.shape, v.x, t.filter.shape, false, t.x);
    return [be.makeTensorInfo(shape, 'float32', dx), be.makeTensorInfo(t.filter.shape, 'float32', dw)];
  };
}

/** Kernel name -> implementation, for the custom kernels (3D names and their `2D` twins). */
export function fusedKernels(ctx: NativeContext): Record<string, KernelFunc> {
  const out: Record<string, KernelFunc> = {};
  for (const [nsp, suffix] of [[3, ''], [2, '2D']] as const) {
    out[CONV_NORM_ACT + suffix] = convNormAct(ctx, nsp, CONV_NORM_ACT + suffix);
    out[CONV_NORM_ACT_GRAD + suffix] = convNormActGrad(ctx, nsp, CONV_NORM_ACT_GRAD + suffix);
    out[UP_CONV + suffix] = upConv(ctx, nsp, UP_CONV + suffix);
    out[UP_CONV_GRAD + suffix] = upConvGrad(ctx, nsp, UP_CONV_GRAD + suffix);
  }
  return out;
}
