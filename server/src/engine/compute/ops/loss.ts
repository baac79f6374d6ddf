import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { DICE_CE } from '../hostKernels';
import { useKernels } from './available';

export interface DiceCEOptions {
  /** nnU-Net default 1; the paper's "improved" preset 1.5. */
  weightDice?: number;
  /** nnU-Net default 1; the paper's "improved" preset 0.5. */
  weightCE?: number;
  smooth?: number;
  /** Include the background class in the Dice term (nnU-Net: false). */
  doBg?: boolean;
  /** One Dice over the whole batch instead of per sample (nnU-Net plans' batch_dice). */
  batchDice?: boolean;
}

/**
 * weightDice * soft Dice loss + weightCE * cross-entropy, on logits [N, ...spatial, K] against integer
 * labels [N, ...spatial] (int32 or float32 class indices): nnU-Net's DC_and_CE_loss with
 * MemoryEfficientSoftDiceLoss. One fused kernel pass computes the value and the gradient.
 */
export function diceCELoss(logits: Tensor, target: Tensor, opts: DiceCEOptions = {}): Tensor {
  const attrs = {
    weightDice: opts.weightDice ?? 1, weightCE: opts.weightCE ?? 1, smooth: opts.smooth ?? 1e-5,
    doBg: opts.doBg ?? false, batchDice: opts.batchDice ?? false,
  };
  if (!useKernels(DICE_CE)) return composite(logits, target, attrs);
  const f = tf.customGrad((lg, save) => {
    const [value, grad] = tf.engine().runKernel(DICE_CE, { logits: lg as Tensor, target }, attrs as never) as unknown as Tensor[];
    (save as (t: Tensor[]) => void)([grad]);
    return { value, gradFunc: (dy: Tensor, saved: Tensor[]) => tf.mul(saved[0], dy) };
  });
  return f(logits);
}

export function composite(logits: Tensor, target: Tensor, a: Required<DiceCEOptions>): Tensor {
  return tf.tidy(() => {
    const K = logits.shape[logits.rank - 1];
    const onehot = tf.reshape(tf.oneHot(tf.cast(tf.reshape(target, [-1]), 'int32'), K), logits.shape);
    const logp = tf.logSoftmax(logits);
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), -1)));
    const p = tf.exp(logp);
    const k0 = a.doBg ? 0 : 1;
    const begin = Array(logits.rank).fill(0);
    begin[logits.rank - 1] = k0;
    const ps = tf.slice(p, begin), ys = tf.slice(onehot, begin);
    const axes = [...Array(logits.rank - 1).keys()].slice(a.batchDice ? 0 : 1);
    const inter = tf.sum(tf.mul(ps, ys), axes);
    const den = tf.add(tf.add(tf.sum(ps, axes), tf.sum(ys, axes)), a.smooth);
    const dc = tf.mean(tf.div(tf.add(tf.mul(inter, 2), a.smooth), tf.maximum(den, 1e-8)));
    return tf.add(tf.mul(tf.neg(dc), a.weightDice), tf.mul(ce, a.weightCE));
  });
}

/**
 * Deep supervision (nnU-Net): sum_i w_i * loss(output_i, target_i), outputs highest resolution first.
 * Outputs with weight 0 are skipped entirely.
 */
export function deepSupervisionLoss(outputs: Tensor[], targets: Tensor[], weights: number[], opts: DiceCEOptions = {}): Tensor {
  let total: Tensor | null = null;
  for (let i = 0; i < outputs.length; i++) {
    if (!weights[i]) continue;
    const l = tf.mul(diceCELoss(outputs[i], targets[i], opts), weights[i]);
    total = total ? tf.add(total, l) : l;
  }
  return total ?? tf.scalar(0);
}

/** nnU-Net's weights: 1/2^i, the lowest resolution 0, normalised to sum 1. */
export function deepSupervisionWeights(n: number): number[] {
  const w = Array.from({ length: n }, (_, i) => 1 / 2 ** i);
  if (n > 1) w[n - 1] = 0;
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}
