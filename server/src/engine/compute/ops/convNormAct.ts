import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { CONV_NORM_ACT, CONV_NORM_ACT_GRAD } from '../kernelNames';
import { unsupported } from '../wasm/geometry';
import { blockGeom } from '../wasm/convNormAct';
import { useKernels } from './available';

export interface ConvNormActOptions {
  /** Per spatial axis (2 or 3 entries, like the input's spatial rank). */
  strides: number[];
  /** Symmetric zero padding per axis (PyTorch rule); omitted: tfjs 'same'. */
  pads?: number[];
  eps?: number;
  slope?: number;
  /** false: the caller needs no gradient for x (the network's input image); kernels may skip computing it and return zeros. */
  inputGrad?: boolean;
}

/**
 * conv (+ bias) -> instance norm (affine) -> leaky ReLU, as one op with its own gradient.
 * x [N,D,H,W,Ci] with filter [kd,kh,kw,Ci,Co], or 2D: x [N,H,W,Ci] with filter [kh,kw,Ci,Co].
 * Uses the active backend's fused kernels when it has them, plain tf ops otherwise. With
 * training = false nothing is kept for a backward pass.
 */
export function convNormAct(x: Tensor, filter: Tensor, bias: Tensor, gamma: Tensor, beta: Tensor, opts: ConvNormActOptions, training = true): Tensor {
  if (x.rank === 4) {
    return tf.tidy(() => {
      const y = convNormAct(tf.expandDims(x, 1), tf.expandDims(filter, 0), bias, gamma, beta, {
        ...opts, strides: [1, ...opts.strides], pads: opts.pads ? [0, ...opts.pads] : undefined,
      }, training);
      return tf.squeeze(y, [1]);
    });
  }
  const attrs = { strides: opts.strides, pads: opts.pads, eps: opts.eps ?? 1e-5, slope: opts.slope ?? 0.01, ...(opts.inputGrad === false ? { inputGrad: false } : {}) };
  const kernel = useKernels(CONV_NORM_ACT, CONV_NORM_ACT_GRAD) &&
    (tf.getBackend() !== 'wasm' || unsupported(blockGeom(x.shape, filter.shape, attrs)) === null);
  if (!kernel) return composite(x, filter, bias, gamma, beta, attrs);
  const run = (xx: Tensor, ff: Tensor, bb: Tensor, gg: Tensor, be: Tensor) =>
    tf.engine().runKernel(CONV_NORM_ACT, { x: xx, filter: ff, bias: bb, gamma: gg, beta: be }, attrs as never) as unknown as Tensor[];
  if (!training) {
    const [out, conv, mean, invStd] = run(x, filter, bias, gamma, beta);
    tf.dispose([conv, mean, invStd]);
    return out;
  }
  const f = tf.customGrad((xx, ff, bb, gg, be, save) => {
    const [out, conv, mean, invStd] = run(xx as Tensor, ff as Tensor, bb as Tensor, gg as Tensor, be as Tensor);
    (save as (t: Tensor[]) => void)([xx as Tensor, ff as Tensor, conv, mean, invStd, gg as Tensor, be as Tensor]);
    return {
      value: out,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sf, sc, sm, ss, sg, sb] = saved;
        return tf.engine().runKernel(CONV_NORM_ACT_GRAD, { dy, x: sx, filter: sf, conv: sc, mean: sm, invStd: ss, gamma: sg, beta: sb }, attrs as never) as unknown as Tensor[];
      },
    };
  });
  return f(x, filter, bias, gamma, beta);
}

/** The same computation in plain tf ops (any backend; autodiff). */
export function composite(x: Tensor, filter: Tensor, bias: Tensor, gamma: Tensor, beta: Tensor, attrs: { strides: number[]; pads?: number[]; eps: number; slope: number }): Tensor {
  return tf.tidy(() => {
    const p = attrs.pads;
    const xp = p ? tf.pad(x, [[0, 0], [p[0], p[0]], [p[1], p[1]], [p[2], p[2]], [0, 0]]) : x;
    const z = tf.add(tf.conv3d(xp as tf.Tensor5D, filter as tf.Tensor5D, attrs.strides as [number, number, number], p ? 'valid' : 'same'), bias);
    const { mean, variance } = tf.moments(z, [1, 2, 3], true);
    const y = tf.add(tf.mul(tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, attrs.eps))), gamma), beta);
    return tf.leakyRelu(y, attrs.slope);
  });
}
