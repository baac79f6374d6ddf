import type { TensorInfo } from '@tensorflow/tfjs-core';
import { WasmHeapError } from '../memory';
import { timed } from '../profile';
import { simdFor, type SimdKernels, type WasmMemory } from './simd/kernels';

/** The parts of tfjs-backend-wasm's BackendWasm (4.22) the kernels use. */
export interface WasmModule {
  HEAPF32: Float32Array;
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
  tfjs: { registerTensor(id: number, size: number, ptr: number): void; disposeData(id: number): void };
  nnsegMallocPatched?: boolean;
  asm?: { memory?: WasmMemory; malloc?: (bytes: number) => number };
}

export interface BackendWasmLike {
  wasm: WasmModule;
  dataIdNextNumber: number;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32' | 'int32', memoryOffset?: number, values?: Float32Array): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Direct access to the wasm heap and to the backend's XNNPACK entry points (FusedConv2D, _FusedMatMul)
 * on any region of the heap: a region gets a temporary tensor id (`alias`), which the C side resolves
 * to a pointer, so kernels hand slices of their own buffers to XNNPACK without copying. XNNPACK caches
 * a packed operator per filter/weights id; `drop` releases the id and that cache entry.
 */
export class Heap {
  private readonly conv: (...a: unknown[]) => void;
  private readonly mm: (...a: unknown[]) => void;
  private readonly owned: number[] = [];

  constructor(readonly backend: BackendWasmLike) {
    const n = (k: number) => new Array<string>(k).fill('number');
    this.conv = backend.wasm.cwrap('FusedConv2D', null, n(23));
    this.mm = backend.wasm.cwrap('_FusedMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', ...n(7)]);
    patchMalloc(backend.wasm);
  }

  /** The SIMD loops bound to this heap (null without wasm SIMD), for channel counts divisible by 4. */
  get simd(): SimdKernels | null {
    return simdFor(this.backend.wasm.asm?.memory);
  }

  /** A fresh view: the heap's buffer is replaced whenever it grows, so take this after allocating. */
  get f32(): Float32Array {
    return this.backend.wasm.HEAPF32;
  }

  ptr(t: TensorInfo): number {
    return this.backend.dataIdMap.get(t.dataId).memoryOffset;
  }

  /** Float offset (index into f32) of a tensor. */
  off(t: TensorInfo): number {
    return this.ptr(t) >>> 2;
  }

  /** Scratch memory freed by `release()` (or earlier by `free`). Returns a byte pointer. */
  alloc(floats: number): number {
    const p = this.backend.wasm._malloc(Math.max(4, floats * 4)) >>> 0;
    this.owned.push(p);
    return p;
  }

  free(p: number): void {
    const i = this.owned.lastIndexOf(p);
    if (i >= 0) this.owned.splice(i, 1);
    this.backend.wasm._free(p);
  }

  output(shape: number[]): TensorInfo {
    return this.backend.makeOutput(shape, 'float32');
  }

  alias(ptr: number, floats: number): number {
    const id = this.backend.dataIdNextNumber++;
    this.backend.wasm.tfjs.registerTensor(id, floats, ptr);
    return id;
  }

  drop(id: number): void {
    this.backend.wasm.tfjs.disposeData(id);
  }

  /** Releases a failed kernel's outputs, so running out of memory leaves nothing allocated behind. */
  discard(outputs: TensorInfo[]): void {
    for (const t of outputs) this.backend.disposeData(t.dataId, true);
  }

  /** Frees every scratch buffer still held (call in finally). */
  release(): void {
    for (const p of this.owned.splice(0)) this.backend.wasm._free(p);
  }

  /**
   * XNNPACK 2D convolution, NHWC input [batch,h,w,ci] at byte pointer x, filter HWIO [kh,kw,ci,co] at
   * filterPtr (or an existing tensor id), output [batch,ho,wo,co] at out. pads [top,bottom,left,right].
   */
  conv2d(a: {
    x: number; batch: number; h: number; w: number; ci: number;
    filter: number | { id: number }; kh: number; kw: number; co: number;
    pads: [number, number, number, number]; strides: [number, number]; dilations: [number, number];
    bias?: number; out: number; ho: number; wo: number;
  }): void {
    const xId = this.alias(a.x, a.batch * a.h * a.w * a.ci);
    const outId = this.alias(a.out, a.batch * a.ho * a.wo * a.co);
    const tempFilter = typeof a.filter === 'number';
    const fId = typeof a.filter === 'number' ? this.alias(a.filter, a.kh * a.kw * a.ci * a.co) : a.filter.id;
    const bId = a.bias ? this.alias(a.bias, a.co) : 0;
    try {
      const [t, b, l, r] = a.pads;
      timed('xnn.conv2d', () => this.conv(xId, a.batch, a.h, a.w, fId, a.kh, a.kw, bId, t, r, b, l, 0, a.dilations[0], a.dilations[1], a.strides[0], a.strides[1], a.ci, a.co, 0, 0, 0, outId));
    } finally {
      this.drop(xId);
      this.drop(outId);
      if (tempFilter) this.drop(fId);
      if (bId) this.drop(bId);
    }
  }

  /** out[m,n] = a[m,k] x b[k,n] (+ bias[n]) through XNNPACK's fully-connected operator (b is packed). */
  matmul(a: number, m: number, k: number, b: number | { id: number }, n: number, out: number, bias?: number): void {
    const aId = this.alias(a, m * k);
    const outId = this.alias(out, m * n);
    const tempB = typeof b === 'number';
    const bId = typeof b === 'number' ? this.alias(b, k * n) : b.id;
    const biasId = bias ? this.alias(bias, n) : 0;
    try {
      const shape = (x: number[]) => new Uint8Array(new Int32Array(x).buffer);
      timed('xnn.matmul', () => this.mm(aId, shape([1, m, k]), 3, bId, shape([1, k, n]), 3, 0, 0, 0, biasId, 0, 0, outId));
    } finally {
      this.drop(aId);
      this.drop(outId);
      if (tempB) this.drop(bId);
      if (biasId) this.drop(biasId);
    }
  }

  tensorId(t: TensorInfo): { id: number } {
    return { id: this.backend.dataIdMap.get(t.dataId).id };
  }
}

/**
 * tfjs writes through a null pointer when the wasm heap cannot grow (malloc returns 0); make every
 * allocation from JS throw a WasmHeapError instead, so running out is an error, not corruption.
 */
export function patchMalloc(wasm: WasmModule): void {
  if (wasm.nnsegMallocPatched) return;
  // Emscripten's first call of the export wrapper replaces Module._malloc with the raw export, which
  // would drop this wrapper: wrap the raw export itself.
  const original = wasm.asm?.malloc ?? wasm._malloc.bind(wasm);
  wasm._malloc = (bytes: number) => {
    // wasm32 malloc grows the heap with a signed increment: one block of 2 GB or more would come back
    // as a pointer past the end of the heap. Refuse it as out of memory.
    if (bytes >= 2 ** 31) throw new WasmHeapError(bytes, wasm.HEAPU8.length);
    const p = original(bytes);
    if (p === 0 && bytes > 0) throw new WasmHeapError(bytes, wasm.HEAPU8.length);
    // Near the 4 GB limit the allocator's break pointer can wrap and hand out a block past the end
    // of memory; that is out of memory too.
    if ((p >>> 0) + bytes > wasm.HEAPU8.length) throw new WasmHeapError(bytes, wasm.HEAPU8.length);
    return p;
  };
  wasm.nnsegMallocPatched = true;
}
