import type { TensorInfo } from '@tensorflow/tfjs-core';
import { sizeOf } from './wasm/geometry';

/**
 * Plain-JS kernels (channel concat/split, reductions, the loss) run unchanged on the two backends whose
 * tensors live in host memory: `wasm` (a view of the heap) and `cpu` (the tensor's own typed array).
 * Allocate every output first, then take views: growing the wasm heap detaches older views.
 */
export interface Host {
  make(shape: number[], dtype?: 'float32' | 'int32'): TensorInfo;
  view(t: TensorInfo): Float32Array | Int32Array;
}

interface WasmLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): TensorInfo;
}

interface CpuLike {
  data: { get(id: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: string, values?: unknown): TensorInfo;
}

export function hostFor(backend: unknown): Host {
  const b = backend as Partial<WasmLike & CpuLike>;
  if (b.wasm && b.dataIdMap && b.makeOutput) {
    const w = b as WasmLike;
    return {
      make: (shape, dtype = 'float32') => w.makeOutput(shape, dtype),
      view: (t) => {
        const off = w.dataIdMap.get(t.dataId).memoryOffset;
        const n = sizeOf(t.shape);
        return t.dtype === 'int32' ? new Int32Array(w.wasm.HEAPU8.buffer, off, n) : new Float32Array(w.wasm.HEAPU8.buffer, off, n);
      },
    };
  }
  if (b.data && b.makeTensorInfo) {
    const c = b as CpuLike;
    return {
      make: (shape, dtype = 'float32') => c.makeTensorInfo(shape, dtype, dtype === 'int32' ? new Int32Array(sizeOf(shape)) : new Float32Array(sizeOf(shape))),
      view: (t) => {
        const v = c.data.get(t.dataId).values;
        if (v instanceof Float32Array || v instanceof Int32Array) return v;
        throw new Error(`tensor of dtype ${t.dtype} has no host array`);
      },
    };
  }
  throw new Error('backend keeps its tensors outside host memory');
}
