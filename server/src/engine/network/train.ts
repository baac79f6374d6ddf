import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { explainHeapError } from '../compute/memory';
import { deepSupervisionLoss, deepSupervisionWeights, type DiceCEOptions } from '../compute/ops';
import { clipGradNorm, SGD } from './optimizer';
import type { UNet } from './unet';

export interface TrainStepOptions {
  loss?: DiceCEOptions;
  /** per output, highest resolution first; default nnU-Net's deepSupervisionWeights */
  weights?: number[];
  /** gradient norm clip (nnU-Net 12; 0 = off) */
  clip?: number;
}

/**
 * One optimisation step: forward with deep supervision, weighted Dice + CE, backward, clip, SGD.
 * x [N, ...patch, Cin]; targets[i] the labels at output i's resolution ([N, ...spatial_i], int32).
 * Returns the loss value. Running out of the wasm heap becomes an error naming patch and batch.
 */
export function trainStep(net: UNet, opt: SGD, x: Tensor, targets: Tensor[], o: TrainStepOptions = {}): { loss: number; gradNorm: number } {
  const weights = o.weights ?? deepSupervisionWeights(net.numOutputs);
  const vars = net.variables;
  try {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const outs = net.forward(x, { training: true });
        return deepSupervisionLoss(outs, targets, weights, o.loss) as tf.Scalar;
      }, vars);
      // Parameters that did not reach the loss (a head with weight 0) get a zero gradient, as in PyTorch.
      const list = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
      const clipped = o.clip === 0 ? { grads: list, norm: NaN } : clipGradNorm(list, o.clip ?? 12);
      opt.step(vars, clipped.grads);
      return { loss: value.dataSync()[0], gradNorm: clipped.norm };
    });
  } catch (e) {
    releaseTape();
    explainHeapError(e, 'The training step', x.shape.slice(1, -1), x.shape[0]);
  }
}

/**
 * tfjs frees the activations a failed backward pass saved only on success; free them here so a retry
 * with a smaller batch or patch (same process) has the memory back.
 */
function releaseTape(): void {
  const state = (tf.engine() as unknown as { state: { gradientDepth: number; activeTape: { saved?: Tensor[] }[] | null } }).state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null;
}

/** Forward without gradients (validation / inference); the caller disposes the outputs. */
export function inferLogits(net: UNet, x: Tensor): Tensor {
  try {
    return net.predict(x);
  } catch (e) {
    explainHeapError(e, 'Inference', x.shape.slice(1, -1), x.shape[0]);
  }
}
