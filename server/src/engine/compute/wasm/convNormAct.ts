/**
 * The fused conv + bias + instance norm + leaky ReLU block on the wasm heap (kernelNames.ts has the
 * contract). The forward keeps only the conv output and per-(n, c) statistics; the backward recomputes
 * the normalised values from them, so a block costs two activations of memory, not five.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { timed } from '../profile';
import { convBackwardData, convBackwardFilter, convForward } from './conv';
import { heapOf } from './convKernels';
import { ConvGeom, geomFrom3DInfo, geomSymmetric } from './geometry';
import type { BackendWasmLike } from './heap';

type Args = { inputs: Record<string, TensorInfo>; attrs: NamedAttrMap; backend: BackendWasmLike };

export interface ConvNormActAttrs {
  strides: number[];
  pads?: number[];
  eps: number;
  slope: number;
}

/** The geometry of the block's convolution: symmetric `pads` when given, else tfjs 'same'. */
export function blockGeom(xShape: number[], fShape: number[], attrs: ConvNormActAttrs): ConvGeom {
  if (attrs.pads) return geomSymmetric(xShape, fShape, attrs.strides, attrs.pads);
  return geomFrom3DInfo(backend_util.computeConv3DInfo(xShape as never, fShape as never, attrs.strides as never, 1, 'same'));
}

export const convNormActForward: KernelFunc = (args) => {
  const { inputs, backend } = args as unknown as Args;
  const attrs = args.attrs as unknown as ConvNormActAttrs;
  const { x, filter, bias, gamma, beta } = inputs;
  const g = blockGeom(x.shape, filter.shape, attrs);
  const heap = heapOf(backend);
  const shape = [g.N, g.Do, g.Ho, g.Wo, g.Co];
  const out = heap.output(shape), conv = heap.output(shape);
  const mean = heap.output([g.N, g.Co]), invStd = heap.output([g.N, g.Co]);
  try {
    const stats = new Float64Array(g.N * g.Co * 2);
    timed('convNormAct.conv', () => convForward(heap, heap.ptr(x), heap.ptr(filter), heap.ptr(bias), g, heap.ptr(conv), stats));
    timed('convNormAct.normAct', () => {
      const S = g.Do * g.Ho * g.Wo, Co = g.Co;
      const simd = Co % 4 === 0 ? heap.simd : null;
      const coef = heap.alloc(2 * Co);
      const F = heap.f32;
      const m0 = heap.off(mean), s0 = heap.off(invStd), ga = heap.off(gamma), be = heap.off(beta);
      const z0 = heap.off(conv), o0 = heap.off(out), c0 = coef >>> 2;
      const slope = attrs.slope;
      for (let n = 0; n < g.N; n++) {
        for (let c = 0; c < Co; c++) {
          const m = stats[(n * Co + c) * 2] / S;
          const v = Math.max(stats[(n * Co + c) * 2 + 1] / S - m * m, 0);
          const is = 1 / Math.sqrt(v + attrs.eps);
          F[m0 + n * Co + c] = m;
          F[s0 + n * Co + c] = is;
          F[c0 + c] = F[ga + c] * is;
          F[c0 + Co + c] = F[be + c] - m * F[c0 + c];
        }
        const base = n * S * Co;
        if (simd) {
          simd.normAct((z0 + base) * 4, (o0 + base) * 4, S, Co, coef, coef + Co * 4, slope);
          continue;
        }
        for (let p = 0; p < S; p++) {
          const i = base + p * Co;
          for (let c = 0; c < Co; c++) {
            const y = F[z0 + i + c] * F[c0 + c] + F[c0 + Co + c];
            F[o0 + i + c] = y > 0 ? y : y * slope;
          }
        }
      }
    });
  } catch (e) {
    heap.discard([out, conv, mean, invStd]);
    throw e;
  } finally {
    heap.release();
  }
  return [out, conv, mean, invStd];
};

export const convNormActBackward: KernelFunc = (args) => {
  const { inputs, backend } = args as unknown as Args;
  const attrs = args.attrs as unknown as ConvNormActAttrs;
  const { dy, x, filter, conv, mean, invStd, gamma, beta } = inputs;
  const g = blockGeom(x.shape, filter.shape, attrs);
  const heap = heapOf(backend);
  const dx = heap.output(x.shape), dfilter = heap.output(filter.shape);
  const dbias = heap.output([g.Co]), dgamma = heap.output([g.Co]), dbeta = heap.output([g.Co]);
  try {
    const S = g.Do * g.Ho * g.Wo, Co = g.Co;
    const dz = heap.alloc(g.N * S * Co);
    timed('convNormAct.normActGrad', () => {
      const simd = Co % 4 === 0 ? heap.simd : null;
      // coefficients [8 Co] f32: ya yb mu is k1 k2 k3 part... | f64 accumulators [2 Co]
      const coef = heap.alloc(10 * Co);
      const acc64 = heap.alloc(4 * Co);
      const F = heap.f32;
      const dy0 = heap.off(dy), z0 = heap.off(conv), dz0 = dz >>> 2;
      const m0 = heap.off(mean), s0 = heap.off(invStd), ga = heap.off(gamma), be = heap.off(beta);
      const c0 = coef >>> 2;
      const YA = c0, YB = c0 + Co, MU = c0 + 2 * Co, IS = c0 + 3 * Co, K1 = c0 + 4 * Co, K2 = c0 + 5 * Co, K3 = c0 + 6 * Co, PART = c0 + 7 * Co;
      const A = new Float64Array(F.buffer, acc64, 2 * Co);
      const slope = attrs.slope;
      const sg = new Float64Array(Co), sgx = new Float64Array(Co);
      const dG = new Float64Array(Co), dB = new Float64Array(Co), dBias = new Float64Array(Co);
      for (let n = 0; n < g.N; n++) {
        for (let c = 0; c < Co; c++) {
          F[MU + c] = F[m0 + n * Co + c];
          F[IS + c] = F[s0 + n * Co + c];
          F[YA + c] = F[ga + c] * F[IS + c];
          F[YB + c] = F[be + c] - F[MU + c] * F[YA + c];
        }
        const base = n * S * Co;
        // Pass 1: through the activation; sums of the gradient and of gradient x normalised value.
        if (simd) {
          A.fill(0);
          F.fill(0, PART, PART + 2 * Co);
          simd.normActGrad1((z0 + base) * 4, (dy0 + base) * 4, S, Co, YA * 4, YB * 4, MU * 4, IS * 4, slope, PART * 4, acc64);
          for (let c = 0; c < Co; c++) {
            sg[c] = A[c];
            sgx[c] = A[Co + c];
          }
        } else {
          sg.fill(0);
          sgx.fill(0);
          for (let p = 0; p < S; p++) {
            const i = base + p * Co;
            for (let c = 0; c < Co; c++) {
              const z = F[z0 + i + c];
              const y = z * F[YA + c] + F[YB + c];
              const gy = y > 0 ? F[dy0 + i + c] : F[dy0 + i + c] * slope;
              sg[c] += gy;
              sgx[c] += gy * (z - F[MU + c]) * F[IS + c];
            }
          }
        }
        for (let c = 0; c < Co; c++) {
          dB[c] += sg[c];
          dG[c] += sgx[c];
          const gs = F[ga + c] * F[IS + c];
          F[K1 + c] = gs;
          F[K2 + c] = gs * (sg[c] / S);
          F[K3 + c] = gs * (sgx[c] / S) * F[IS + c];
        }
        // Pass 2: dz = gamma * invStd * (g - mean(g) - xhat * mean(g * xhat)).
        if (simd) {
          A.fill(0);
          F.fill(0, PART, PART + Co);
          simd.normActGrad2((z0 + base) * 4, (dy0 + base) * 4, (dz0 + base) * 4, S, Co, YA * 4, YB * 4, K1 * 4, K2 * 4, K3 * 4, MU * 4, slope, PART * 4, acc64);
          for (let c = 0; c < Co; c++) dBias[c] += A[c];
        } else {
          for (let p = 0; p < S; p++) {
            const i = base + p * Co;
            for (let c = 0; c < Co; c++) {
              const z = F[z0 + i + c];
              const y = z * F[YA + c] + F[YB + c];
              const gy = y > 0 ? F[dy0 + i + c] : F[dy0 + i + c] * slope;
              const d = F[K1 + c] * gy - F[K2 + c] - F[K3 + c] * (z - F[MU + c]);
              F[dz0 + i + c] = d;
              dBias[c] += d;
            }
          }
        }
      }
      const dg0 = heap.off(dgamma), db0 = heap.off(dbeta), dbi = heap.off(dbias);
      for (let c = 0; c < Co; c++) {
        F[dg0 + c] = dG[c];
        F[db0 + c] = dB[c];
        F[dbi + c] = dBias[c];
      }
    });
    timed('convNormAct.convBackwardData', () => convBackwardData(heap, dz, heap.ptr(filter), g, heap.ptr(dx)));
    timed('convNormAct.convBackwardFilter', () => convBackwardFilter(heap, heap.ptr(x), dz, g, heap.ptr(dfilter)));
  } catch (e) {
    heap.discard([dx, dfilter, dbias, dgamma, dbeta]);
    throw e;
  } finally {
    heap.release();
  }
  return [dx, dfilter, dbias, dgamma, dbeta];
};
