import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { runReference } from '../fallback';
import { convBackwardData, convBackwardFilter, convForward } from './conv';
import { ConvGeom, geomFrom2DInfo, geomFrom3DInfo, unsupported } from './geometry';
import { BackendWasmLike, Heap } from './heap';

type Args = { inputs: Record<string, TensorInfo>; attrs: NamedAttrMap; backend: BackendWasmLike };

const heaps = new WeakMap<BackendWasmLike, Heap>();
export function heapOf(backend: BackendWasmLike): Heap {
  let h = heaps.get(backend);
  if (!h) heaps.set(backend, (h = new Heap(backend)));
  return h;
}

function reference(name: string, a: Args, reason: string): TensorInfo | TensorInfo[] {
  return runReference(name, a.inputs, a.attrs, a.backend as unknown as tf.KernelBackend, (shape, dtype, values) => a.backend.makeOutput(shape, dtype, undefined, values as Float32Array), reason);
}

/** Wraps a kernel body: scratch is freed, and the output too if the body throws. */
function run(a: Args, body: (heap: Heap, keep: (t: TensorInfo) => TensorInfo) => TensorInfo): TensorInfo {
  const heap = heapOf(a.backend);
  const made: TensorInfo[] = [];
  try {
    return body(heap, (t) => (made.push(t), t));
  } catch (e) {
    heap.discard(made);
    throw e;
  } finally {
    heap.release();
  }
}

function layoutOk(attrs: NamedAttrMap): boolean {
  const f = attrs.dataFormat as string | undefined;
  return f === undefined || f === 'NDHWC' || f === 'NHWC' || f === 'channelsLast';
}

const conv3D: KernelFunc = (args) => {
  const a = args as unknown as Args;
  const { x, filter } = a.inputs;
  const { strides, pad, dilations } = a.attrs as unknown as { strides: number[]; pad: 'same' | 'valid'; dilations: number[] };
  const info = backend_util.computeConv3DInfo(x.shape as never, filter.shape as never, strides as never, dilations as never, pad);
  const g = geomFrom3DInfo(info);
  const why = !layoutOk(a.attrs) ? 'channels-first layout' : unsupported(g, [info.dilationDepth, info.dilationHeight, info.dilationWidth]);
  if (why) return reference('Conv3D', a, why);
  return run(a, (heap, keep) => {
    const out = keep(heap.output(info.outShape));
    convForward(heap, heap.ptr(x), heap.ptr(filter), 0, g, heap.ptr(out));
    return out;
  });
};

const conv3DBackpropInput: KernelFunc = (args) => {
  const a = args as unknown as Args;
  const { dy, filter } = a.inputs;
  const { strides, pad, inputShape } = a.attrs as unknown as { strides: number[]; pad: 'same' | 'valid'; inputShape: number[] };
  const info = backend_util.computeConv3DInfo(inputShape as never, filter.shape as never, strides as never, 1, pad);
  const g = geomFrom3DInfo(info);
  const why = unsupported(g);
  if (why) return reference('Conv3DBackpropInputV2', a, why);
  return run(a, (heap, keep) => {
    const out = keep(heap.output(inputShape));
    convBackwardData(heap, heap.ptr(dy), heap.ptr(filter), g, heap.ptr(out));
    return out;
  });
};

const conv3DBackpropFilter: KernelFunc = (args) => {
  const a = args as unknown as Args;
  const { x, dy } = a.inputs;
  const { strides, pad, filterShape } = a.attrs as unknown as { strides: number[]; pad: 'same' | 'valid'; filterShape: number[] };
  const info = backend_util.computeConv3DInfo(x.shape as never, filterShape as never, strides as never, 1, pad);
  const g = geomFrom3DInfo(info);
  const why = unsupported(g);
  if (why) return reference('Conv3DBackpropFilterV2', a, why);
  return run(a, (heap, keep) => {
    const out = keep(heap.output(filterShape));
    convBackwardFilter(heap, heap.ptr(x), heap.ptr(dy), g, heap.ptr(out));
    return out;
  });
};

function info2D(a: Args, xShape: number[], fShape: number[]): { g: ConvGeom; why: string | null } {
  const { strides, pad, dimRoundingMode } = a.attrs as unknown as { strides: number[]; pad: never; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const info = backend_util.computeConv2DInfo(xShape as never, fShape as never, strides as never, 1, pad, dimRoundingMode, false, 'channelsLast');
  const g = geomFrom2DInfo(info);
  return { g, why: !layoutOk(a.attrs) ? 'channels-first layout' : unsupported(g) };
}

const conv2DBackpropInput: KernelFunc = (args) => {
  const a = args as unknown as Args;
  const { dy, filter } = a.inputs;
  const inputShape = a.attrs.inputShape as number[];
  const { g, why } = info2D(a, inputShape, filter.shape);
  if (why) return reference('Conv2DBackpropInput', a, why);
  return run(a, (heap, keep) => {
    const out = keep(heap.output(inputShape));
    convBackwardData(heap, heap.ptr(dy), heap.ptr(filter), g, heap.ptr(out));
    return out;
  });
};

const conv2DBackpropFilter: KernelFunc = (args) => {
  const a = args as unknown as Args;
  const { x, dy } = a.inputs;
  const filterShape = a.attrs.filterShape as number[];
  const { g, why } = info2D(a, x.shape, filterShape);
  if (why) return reference('Conv2DBackpropFilter', a, why);
  return run(a, (heap, keep) => {
    const out = keep(heap.output(filterShape));
    convBackwardFilter(heap, heap.ptr(x), heap.ptr(dy), g, heap.ptr(out));
    return out;
  });
};

export const wasmConvKernels: Record<string, KernelFunc> = {
  Conv3D: conv3D,
  Conv3DBackpropInputV2: conv3DBackpropInput,
  Conv3DBackpropFilterV2: conv3DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  Conv2DBackpropFilter: conv2DBackpropFilter,
};

const stock = new Map<string, KernelConfig | undefined>();

/** The kernel tfjs-backend-wasm shipped under this name (before replacement), for tests. */
export function stockWasmKernel(name: string): KernelConfig | undefined {
  return stock.has(name) ? stock.get(name) : tf.getKernel(name, 'wasm');
}

/** Replaces tfjs-backend-wasm's conv kernels by name (idempotent). */
export function registerWasmConvKernels(): void {
  for (const [name, kernelFunc] of Object.entries(wasmConvKernels)) {
    const current = tf.getKernel(name, 'wasm');
    if (current?.kernelFunc === kernelFunc) continue;
    if (!stock.has(name)) stock.set(name, current);
    if (current) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
  }
}
