/**
 * Small plain-JS kernels registered on the host-memory backends (`wasm`, `cpu`), where tfjs's own
 * versions transpose or allocate needlessly: channel concat/split, sum over every axis but the last,
 * and the fused softmax + soft Dice + cross-entropy loss that returns its gradient with the value.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { hostFor } from './host';
import { heapOf } from './wasm/convKernels';
import type { BackendWasmLike } from './wasm/heap';
import { sizeOf } from './wasm/geometry';

export const CONCAT_CHANNELS = 'NnsegConcatChannels';
export const SPLIT_CHANNELS = 'NnsegSplitChannels';
export const SUM_TO_CHANNELS = 'NnsegSumToChannels';
export const DICE_CE = 'NnsegDiceCE';

type Args = { inputs: Record<string, TensorInfo>; attrs: NamedAttrMap; backend: unknown };

/** Strided run copies through the wasm SIMD kernel when the backend is wasm and runs are 16-byte multiples. */
function simdRuns(backend: unknown, ...runs: number[]): ReturnType<typeof heapOf>['simd'] {
  const b = backend as Partial<BackendWasmLike>;
  if (!b.wasm || runs.some((c) => c % 4 !== 0 || c === 0)) return null;
  return heapOf(b as BackendWasmLike).simd;
}

const concatChannels: KernelFunc = (args) => {
  const { inputs, backend } = args as unknown as Args;
  const { a, b } = inputs;
  const ca = a.shape[a.shape.length - 1], cb = b.shape[b.shape.length - 1];
  const host = hostFor(backend);
  const out = host.make([...a.shape.slice(0, -1), ca + cb]);
  const simd = simdRuns(backend, ca, cb);
  if (simd) {
    const A = host.view(a), B = host.view(b), O = host.view(out);
    const vox = A.length / ca, c = ca + cb;
    simd.copyRuns(O.byteOffset, c * 4, A.byteOffset, ca * 4, vox, ca * 4);
    simd.copyRuns(O.byteOffset + ca * 4, c * 4, B.byteOffset, cb * 4, vox, cb * 4);
    return out;
  }
  const A = host.view(a), B = host.view(b), O = host.view(out);
  const vox = A.length / ca;
  const c = ca + cb;
  for (let v = 0; v < vox; v++) {
    O.set(A.subarray(v * ca, v * ca + ca), v * c);
    O.set(B.subarray(v * cb, v * cb + cb), v * c + ca);
  }
  return out;
};

const splitChannels: KernelFunc = (args) => {
  const { inputs, attrs, backend } = args as unknown as Args;
  const { x } = inputs;
  const c = x.shape[x.shape.length - 1];
  const ca = attrs.first as number, cb = c - ca;
  const host = hostFor(backend);
  const a = host.make([...x.shape.slice(0, -1), ca]);
  const b = host.make([...x.shape.slice(0, -1), cb]);
  const X = host.view(x), A = host.view(a), B = host.view(b);
  const vox = X.length / c;
  const simd = simdRuns(backend, ca, cb);
  if (simd) {
    simd.copyRuns(A.byteOffset, ca * 4, X.byteOffset, c * 4, vox, ca * 4);
    simd.copyRuns(B.byteOffset, cb * 4, X.byteOffset + ca * 4, c * 4, vox, cb * 4);
    return [a, b];
  }
  for (let v = 0; v < vox; v++) {
    A.set(X.subarray(v * c, v * c + ca), v * ca);
    B.set(X.subarray(v * c + ca, v * c + c), v * cb);
  }
  return [a, b];
};

const sumToChannels: KernelFunc = (args) => {
  const { inputs, backend } = args as unknown as Args;
  const { x } = inputs;
  const c = x.shape[x.shape.length - 1];
  const host = hostFor(backend);
  const out = host.make([c]);
  const X = host.view(x), O = host.view(out);
  const acc = new Float64Array(c);
  for (let i = 0; i < X.length; i += c) for (let k = 0; k < c; k++) acc[k] += X[i + k];
  for (let k = 0; k < c; k++) O[k] = acc[k];
  return out;
};

/**
 * logits [N, ...spatial, K], target [N, ...spatial] (class indices, int32 or float32).
 * loss = wDice * (-mean soft Dice over classes (and samples unless batchDice)) + wCE * mean CE,
 * as nnU-Net's MemoryEfficientSoftDiceLoss + RobustCrossEntropyLoss. Outputs [loss [], dlogits].
 */
const diceCE: KernelFunc = (args) => {
  const { inputs, attrs, backend } = args as unknown as Args;
  const { logits, target } = inputs;
  const wDice = attrs.weightDice as number, wCE = attrs.weightCE as number;
  const smooth = attrs.smooth as number, doBg = attrs.doBg as boolean, batchDice = attrs.batchDice as boolean;
  const K = logits.shape[logits.shape.length - 1];
  const N = logits.shape[0];
  const host = hostFor(backend);
  const loss = host.make([]);
  const grad = host.make(logits.shape);
  const L = host.view(logits), T = host.view(target), G = host.view(grad), O = host.view(loss);
  const V = sizeOf(logits.shape.slice(1, -1)); // voxels per sample
  const k0 = doBg ? 0 : 1;
  const groups = batchDice ? 1 : N;
  const inter = new Float64Array(groups * K), psum = new Float64Array(groups * K), gsum = new Float64Array(groups * K);
  let ce = 0;
  // Pass 1: softmax into grad, Dice sums, CE.
  for (let n = 0; n < N; n++) {
    const gi = batchDice ? 0 : n;
    for (let v = 0; v < V; v++) {
      const base = (n * V + v) * K;
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, L[base + k]);
      let s = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(L[base + k] - mx);
        G[base + k] = e;
        s += e;
      }
      const y = T[n * V + v] | 0;
      for (let k = 0; k < K; k++) {
        const p = G[base + k] / s;
        G[base + k] = p;
        psum[gi * K + k] += p;
        if (k === y) inter[gi * K + k] += p;
      }
      gsum[gi * K + y] += 1;
      ce -= L[base + y] - mx - Math.log(s);
    }
  }
  const nCls = K - k0;
  const count = groups * nCls;
  let dice = 0;
  // dL/dp_k for each group: -(wDice / count) * (2 y / den - (2I + s) / den^2), den = P + G + s (clipped at 1e-8).
  const coefY = new Float64Array(groups * K), coefP = new Float64Array(groups * K);
  for (let g = 0; g < groups; g++)
    for (let k = k0; k < K; k++) {
      const i = g * K + k;
      const rawDen = psum[i] + gsum[i] + smooth;
      const den = Math.max(rawDen, 1e-8);
      const num = 2 * inter[i] + smooth;
      dice += num / den;
      coefY[i] = (-wDice / count) * (2 / den);
      coefP[i] = rawDen > 1e-8 ? (-wDice / count) * (-num / (den * den)) : 0;
    }
  const total = N * V;
  O[0] = wDice * (-dice / count) + (wCE * ce) / total;
  // Pass 2: chain through the softmax: dL/dz_j = p_j (g_j - sum_k p_k g_k), plus CE (p - onehot) / total.
  const gk = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    const gi = batchDice ? 0 : n;
    for (let v = 0; v < V; v++) {
      const base = (n * V + v) * K;
      const y = T[n * V + v] | 0;
      let dot = 0;
      for (let k = 0; k < K; k++) {
        const p = G[base + k];
        const g = k < k0 ? 0 : coefP[gi * K + k] + (k === y ? coefY[gi * K + k] : 0);
        gk[k] = g;
        dot += p * g;
      }
      for (let k = 0; k < K; k++) {
        const p = G[base + k];
        G[base + k] = p * (gk[k] - dot) + (wCE * (p - (k === y ? 1 : 0))) / total;
      }
    }
  }
  return [loss, grad];
};

const kernels: Record<string, KernelFunc> = {
  [CONCAT_CHANNELS]: concatChannels,
  [SPLIT_CHANNELS]: splitChannels,
  [SUM_TO_CHANNELS]: sumToChannels,
  [DICE_CE]: diceCE,
};

export function registerHostKernels(backendName: 'wasm' | 'cpu'): void {
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    if (tf.getKernel(kernelName, backendName)) continue;
    tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
}
