import * as tf from '@tensorflow/tfjs-core';
// Gradient definitions live in the union package's bundle (tfjs-core's node build has none).
import '@tensorflow/tfjs';

/** True when the active backend has a kernel registered under every one of these names. */
export function hasKernels(...names: string[]): boolean {
  const b = tf.getBackend();
  return names.every((n) => tf.getKernel(n, b) !== undefined);
}

/** Forcing the composite (plain tf ops) versions, for tests and comparisons. */
let composite = false;
export function forceComposite(on: boolean): void {
  composite = on;
}
export function useKernels(...names: string[]): boolean {
  return !composite && hasKernels(...names);
}
