import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { registerHostKernels } from '../hostKernels';
import { CONV_NORM_ACT, CONV_NORM_ACT_GRAD, UP_CONV, UP_CONV_GRAD } from '../kernelNames';
import { registerWasmConvKernels } from './convKernels';
import { patchMalloc, type BackendWasmLike } from './heap';
import { convNormActBackward, convNormActForward } from './convNormAct';
import { upConvBackward, upConvForward } from './upConv';

const custom: Record<string, KernelFunc> = {
  [CONV_NORM_ACT]: convNormActForward,
  [CONV_NORM_ACT_GRAD]: convNormActBackward,
  [UP_CONV]: upConvForward,
  [UP_CONV_GRAD]: upConvBackward,
};

/** Everything the wasm path adds to tfjs-backend-wasm: replaced conv kernels, fused layers, host kernels. */
export function registerWasmKernels(): void {
  // Every allocation from JS (tfjs's too) throws WasmHeapError on a full heap instead of returning 0.
  const backend = tf.findBackend('wasm') as unknown as BackendWasmLike | undefined;
  if (backend?.wasm) patchMalloc(backend.wasm);
  registerWasmConvKernels();
  for (const [kernelName, kernelFunc] of Object.entries(custom)) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  registerHostKernels('wasm');
}
