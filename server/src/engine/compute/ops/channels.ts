import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { CONCAT_CHANNELS, SPLIT_CHANNELS, SUM_TO_CHANNELS } from '../hostKernels';
import { useKernels } from './available';

/** Concatenation along the last (channel) axis, with its gradient. */
export function concatChannels(a: Tensor, b: Tensor): Tensor {
  if (!useKernels(CONCAT_CHANNELS, SPLIT_CHANNELS)) return tf.concat([a, b], -1);
  const ca = a.shape[a.rank - 1];
  const f = tf.customGrad((aa, bb, save) => {
    void save;
    const value = tf.engine().runKernel(CONCAT_CHANNELS, { a: aa as Tensor, b: bb as Tensor }, {}) as Tensor;
    return { value, gradFunc: (dy: Tensor) => splitChannels(dy, ca) };
  });
  return f(a, b);
}

/** [x[..., :first], x[..., first:]] (no gradient of its own: used inside gradients). */
export function splitChannels(x: Tensor, first: number): [Tensor, Tensor] {
  if (!useKernels(SPLIT_CHANNELS)) return tf.split(x, [first, x.shape[x.rank - 1] - first], -1) as [Tensor, Tensor];
  return tf.engine().runKernel(SPLIT_CHANNELS, { x }, { first }) as unknown as [Tensor, Tensor];
}

/** Sum over every axis but the last: [.., C] -> [C] (bias gradients). */
export function sumToChannels(x: Tensor): Tensor {
  if (!useKernels(SUM_TO_CHANNELS)) return tf.sum(x, [...Array(x.rank - 1).keys()]);
  return tf.engine().runKernel(SUM_TO_CHANNELS, { x }, {}) as Tensor;
}
