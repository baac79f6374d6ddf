import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { sumToChannels } from './channels';

/**
 * Plain convolution + bias with 'valid' padding (the U-Net's 1x1x1 segmentation heads), with a gradient
 * that goes straight to the backend's conv kernels and sums the bias gradient without a transpose.
 * x [N,D,H,W,Ci] and filter [kd,kh,kw,Ci,Co], or 2D (rank 4 / HWIO).
 */
export function convBias(x: Tensor, filter: Tensor, bias: Tensor): Tensor {
  if (x.rank === 4) return tf.tidy(() => tf.squeeze(convBias(tf.expandDims(x, 1), tf.expandDims(filter, 0), bias), [1]));
  const f = tf.customGrad((xx, ff, bb, save) => {
    (save as (t: Tensor[]) => void)([xx as Tensor, ff as Tensor]);
    const y = tf.conv3d(xx as tf.Tensor5D, ff as tf.Tensor5D, 1, 'valid');
    const value = tf.add(y, bb as Tensor);
    y.dispose();
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sf] = saved;
        const dx = tf.engine().runKernel('Conv3DBackpropInputV2', { dy, filter: sf }, { pad: 'valid', strides: [1, 1, 1], inputShape: sx.shape }) as Tensor;
        const df = tf.engine().runKernel('Conv3DBackpropFilterV2', { x: sx, dy }, { pad: 'valid', strides: [1, 1, 1], filterShape: sf.shape }) as Tensor;
        return [dx, df, sumToChannels(dy)];
      },
    };
  });
  return f(x, filter, bias);
}
