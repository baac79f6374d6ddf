/**
 * What the native kernels share: the tfjs module, the addon, the cpu backend's original kernels (the
 * fallback for shapes oneDNN rejects), and one-time warnings.
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import type { BufferPool } from './pool';

export type Tf = typeof tfc;
export type TensorInfo = tfc.TensorInfo;
export type KernelFunc = tfc.KernelFunc;
export type KernelArgs = Parameters<KernelFunc>[0];

/** The parts of tfjs's MathBackendCPU the kernels use (its tensors are plain typed arrays). */
export interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

export interface NativeContext {
  tf: Tf;
  addon: NativeAddon;
  /** The cpu backend's kernels as they were before ours replaced them. */
  original: Map<string, KernelFunc>;
  warn(key: string, message: string): void;
  /** Shapes the addon threw on once (not retried). */
  failed: Set<string>;
  /** Output buffers: reused after tfjs disposes their tensors; every element must be written. */
  pool: BufferPool;
}

/** The Float32Array behind a cpu-backend tensor, or null when it is not float32 on this backend. */
export function f32(backend: CpuBackend, t: TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

export function callOriginal(ctx: NativeContext, name: string, args: KernelArgs): TensorInfo | TensorInfo[] {
  const k = ctx.original.get(name);
  if (!k) throw new Error(`nnseg native: no cpu kernel ${name} to fall back to`);
  return k(args);
}

/** A cpu kernel's single output, as a Float32Array the caller now owns (the tensor info is dropped). */
export function takeValues(ctx: NativeContext, backend: CpuBackend, t: TensorInfo): Float32Array {
  const v = f32(backend, t);
  if (!v) throw new Error('nnseg native: the fallback kernel returned a non-float32 tensor');
  ctx.pool.escape(v); // it lives on under a new tensor, so its buffer must not be recycled now
  backend.disposeData(t.dataId, true);
  return v;
}
