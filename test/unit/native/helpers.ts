/**
 * Shared by the native kernel tests: the tfjs cpu backend with its original kernels captured before
 * the native ones replace them (the reference), seeded random data, and comparisons.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadNative, type NativePath } from '../../../server/src/engine/compute/native';

export { tf };

// Every cpu kernel as tfjs ships it, taken before the native ones replace them.
const reference = new Map<string, tf.KernelFunc>(tf.getKernelsForBackend('cpu').map((k) => [k.kernelName, k.kernelFunc]));

export const warnings: string[] = [];
export const native: NativePath = loadNative({ warn: (m) => warnings.push(m) });
/** For `test(..., { skip })`: why the native kernels cannot be tested here. */
export const skipNoNative: string | false = native.available ? false : `native path unavailable: ${native.reason}`;

let ready = false;
export function setup(): void {
  if (ready) return;
  tf.setBackend('cpu');
  if (native.available) native.registerKernels(tf);
  ready = true;
}

/** Runs the cpu backend's original kernel (tfjs's reference implementation). */
export function runReference(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return runReferenceAll(name, inputs, attrs)[0];
}

export function runReferenceAll(name: string, inputs: Record<string, tf.Tensor> | tf.Tensor[], attrs: object): tf.Tensor[] {
  const k = reference.get(name);
  if (!k) throw new Error(`the cpu backend has no ${name} kernel`);
  const r = k({ inputs: inputs as tf.NamedTensorInfoMap, backend: tf.backend(), attrs: attrs as tf.NamedAttrMap });
  return (Array.isArray(r) ? r : [r]).map((t) => tf.engine().makeTensorFromTensorInfo(t));
}

export function run(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
}

/** Deterministic values in [-1, 1). */
export function rand(shape: number[], seed: number): tf.Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 31 - 1;
  }
  return tf.tensor(v, shape, 'float32');
}

export function values(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** max |a - b| / max(1e-6, max |b|): the error relative to the reference's scale. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0, m = 1e-6;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
