/**
 * tfjs's standard convolution kernels on the `cpu` backend, replaced by oneDNN ones under their tfjs
 * names so every tf op and gradient uses them. Inputs that are not float32, and shapes oneDNN rejects,
 * go to the cpu backend's original kernel.
 */
import { callOriginal, type CpuBackend, f32, type KernelArgs, type KernelFunc, type NativeContext, type TensorInfo } from './context';
import { type ConvGeom, runBackwardData, runBackwardWeights, runForward } from './convRun';

interface ConvAttrs {
  strides: number | number[];
  pad: ConvGeom['pad'];
  dilations?: number | number[];
  dataFormat?: string;
  dimRoundingMode?: ConvGeom['dimRoundingMode'];
  inputShape?: number[];
  filterShape?: number[];
}

function geom(nsp: 2 | 3, a: ConvAttrs): ConvGeom | null {
  if (nsp === 2 && a.dataFormat === 'NCHW') return null;
  return { nsp, strides: a.strides, pad: a.pad, dilations: a.dilations, dimRoundingMode: a.dimRoundingMode };
}

function forward(ctx: NativeContext, nsp: 2 | 3, name: string): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const g = geom(nsp, args.attrs as unknown as ConvAttrs);
    const xv = f32(be, x), wv = f32(be, filter);
    if (!g || !xv || !wv) return callOriginal(ctx, name, args);
    const { y, shape } = runForward(ctx, be, g, x, xv, filter, wv, null);
    return be.makeTensorInfo(shape, 'float32', y);
  };
}

function backwardData(ctx: NativeContext, nsp: 2 | 3, name: string): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as ConvAttrs;
    const g = geom(nsp, a);
    const dyv = f32(be, dy), wv = f32(be, filter);
    if (!g || !dyv || !wv || !a.inputShape) return callOriginal(ctx, name, args);
    const inputShape = [...a.inputShape];
    return be.makeTensorInfo(inputShape, 'float32', runBackwardData(ctx, be, g, inputShape, dy.shape, dyv, filter, wv, dy));
  };
}

function backwardWeights(ctx: NativeContext, nsp: 2 | 3, name: string): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const a = args.attrs as unknown as ConvAttrs;
    const g = geom(nsp, a);
    const xv = f32(be, x), dyv = f32(be, dy);
    if (!g || !xv || !dyv || !a.filterShape) return callOriginal(ctx, name, args);
    const filterShape = [...a.filterShape];
    const { dw } = runBackwardWeights(ctx, be, g, x, xv, dy.shape, dyv, filterShape, false, dy);
    return be.makeTensorInfo(filterShape, 'float32', dw);
  };
}

/** Kernel name -> replacement, for tfjs's standard conv kernels. */
export function convKernels(ctx: NativeContext): Record<string, KernelFunc> {
  return {
    Conv3D: forward(ctx, 3, 'Conv3D'),
    Conv3DBackpropInputV2: backwardData(ctx, 3, 'Conv3DBackpropInputV2'),
    Conv3DBackpropFilterV2: backwardWeights(ctx, 3, 'Conv3DBackpropFilterV2'),
    Conv2D: forward(ctx, 2, 'Conv2D'),
    Conv2DBackpropInput: backwardData(ctx, 2, 'Conv2DBackpropInput'),
    Conv2DBackpropFilter: backwardWeights(ctx, 2, 'Conv2DBackpropFilter'),
  };
}
