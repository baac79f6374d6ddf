import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { UP_CONV, UP_CONV_GRAD } from '../kernelNames';
import { useKernels } from './available';
import { sumToChannels } from './channels';

/**
 * Transposed convolution with kernel = stride per axis, plus bias (the U-Net's upsampling), with its
 * gradient. x [N,D,H,W,Ci], filter [sd,sh,sw,Co,Ci], bias [Co]; 2D: x [N,H,W,Ci], filter [sh,sw,Co,Ci].
 */
export function upConv(x: Tensor, filter: Tensor, bias: Tensor, strides: number[], training = true): Tensor {
  if (x.rank === 4) {
    return tf.tidy(() => tf.squeeze(upConv(tf.expandDims(x, 1), tf.expandDims(filter, 0), bias, [1, ...strides], training), [1]));
  }
  if (!useKernels(UP_CONV, UP_CONV_GRAD)) return composite(x, filter, bias, strides);
  const attrs = { strides };
  const run = (xx: Tensor, ff: Tensor) => tf.engine().runKernel(UP_CONV, { x: xx, filter: ff }, attrs as never) as Tensor;
  if (!training) return tf.tidy(() => tf.add(run(x, filter), bias));
  const f = tf.customGrad((xx, ff, bb, save) => {
    (save as (t: Tensor[]) => void)([xx as Tensor, ff as Tensor]);
    const y = run(xx as Tensor, ff as Tensor);
    const value = tf.add(y, bb as Tensor);
    y.dispose();
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [dx, df] = tf.engine().runKernel(UP_CONV_GRAD, { dy, x: saved[0], filter: saved[1] }, attrs as never) as unknown as Tensor[];
        return [dx, df, sumToChannels(dy)];
      },
    };
  });
  return f(x, filter, bias);
}

/** Plain tf ops: one matMul and a reshape/transpose (exactly the transposed convolution). */
export function composite(x: Tensor, filter: Tensor, bias: Tensor, _strides: number[]): Tensor {
  return tf.tidy(() => {
    const [N, D, H, W, Ci] = x.shape;
    const [sd, sh, sw, Co] = filter.shape;
    const wr = tf.transpose(tf.reshape(filter, [sd * sh * sw * Co, Ci]));
    const z = tf.reshape(tf.matMul(tf.reshape(x, [N * D * H * W, Ci]), wr), [N, D, H, W, sd, sh, sw, Co]);
    const y = tf.reshape(tf.transpose(z, [0, 1, 4, 2, 5, 3, 6, 7]), [N, D * sd, H * sh, W * sw, Co]);
    return tf.add(y, bias);
  });
}
