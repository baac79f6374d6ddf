import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { warnOnce } from './log';

/** Backends whose tensors live in host memory: the wasm heap or JS arrays. */
type HostBackend = { readSync(dataId: object): ArrayLike<number> };

let cpuBackend: KernelBackend | undefined;

function cpu(): KernelBackend {
  if (!cpuBackend) {
    const b = tf.engine().findBackend('cpu');
    if (!b) throw new Error('the tfjs cpu backend is not registered (import @tensorflow/tfjs-backend-cpu)');
    cpuBackend = b;
  }
  return cpuBackend;
}

/**
 * Runs a kernel with the `cpu` backend's reference implementation on copies of the inputs and copies
 * the outputs back into `backend`. For shapes the replacement kernels do not handle: slow, correct.
 * `make(shape, values)` creates an output on the calling backend.
 */
export function runReference(
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
  backend: KernelBackend,
  make: (shape: number[], dtype: 'float32' | 'int32', values: Float32Array | Int32Array) => TensorInfo,
  reason: string,
): TensorInfo | TensorInfo[] {
  warnOnce(`${kernelName}:${reason}`, `${kernelName} on ${tf.getBackend()}: ${reason}; using the cpu backend's reference kernel for these shapes (correct, slower).`);
  const ref = cpu();
  const kernel = tf.getKernel(kernelName, 'cpu');
  if (!kernel) throw new Error(`no cpu reference kernel for ${kernelName}`);
  const host = backend as unknown as HostBackend;
  const moved: Record<string, TensorInfo> = {};
  for (const [k, t] of Object.entries(inputs)) {
    const values = host.readSync(t.dataId);
    const copy = t.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
    moved[k] = { dataId: ref.write(copy, t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
  }
  try {
    const res = kernel.kernelFunc({ inputs: moved, attrs, backend: ref });
    const list = Array.isArray(res) ? res : [res];
    const outs = list.map((o) => {
      const values = (ref as unknown as HostBackend).readSync(o.dataId) as Float32Array | Int32Array;
      const made = make(o.shape, o.dtype === 'int32' ? 'int32' : 'float32', values);
      ref.disposeData(o.dataId);
      return made;
    });
    return Array.isArray(res) ? outs : outs[0];
  } finally {
    for (const t of Object.values(moved)) ref.disposeData(t.dataId);
  }
}
