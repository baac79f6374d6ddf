/**
 * nnU-Net's optimiser: SGD with Nesterov momentum and L2 weight decay, in PyTorch's formulation
 * (g += wd * p; buf = mu * buf + g; p -= lr * (g + mu * buf)), gradient-norm clipping (12) and the
 * poly learning-rate schedule lr0 * (1 - epoch / maxEpochs)^0.9.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD {
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly buffers = new Map<Variable, Variable>();

  constructor(opts: SGDOptions) {
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0.99;
    this.weightDecay = opts.weightDecay ?? 3e-5;
    this.nesterov = opts.nesterov ?? true;
  }

  /** One update of each variable with its gradient (same order). Disposes nothing it was given. */
  step(vars: Variable[], grads: Tensor[]): void {
    tf.tidy(() => {
      vars.forEach((p, i) => {
        let g = grads[i];
        if (this.weightDecay) g = tf.add(g, tf.mul(p, this.weightDecay));
        if (this.momentum) {
          let buf = this.buffers.get(p);
          if (!buf) {
            buf = tf.variable(g, false);
            this.buffers.set(p, buf);
          } else buf.assign(tf.add(tf.mul(buf, this.momentum), g));
          g = this.nesterov ? tf.add(g, tf.mul(buf, this.momentum)) : buf;
        }
        p.assign(tf.sub(p, tf.mul(g, this.lr)));
      });
    });
  }

  /** Momentum buffers, for checkpoints (same order as the variables given). */
  state(vars: Variable[]): (Float32Array | null)[] {
    return vars.map((v) => (this.buffers.has(v) ? (this.buffers.get(v)!.dataSync() as Float32Array) : null));
  }

  loadState(vars: Variable[], state: (ArrayLike<number> | null)[]): void {
    vars.forEach((v, i) => {
      const s = state[i];
      if (!s) return;
      this.buffers.get(v)?.dispose();
      this.buffers.set(v, tf.variable(tf.tensor(Float32Array.from(s), v.shape), false));
    });
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}

/** nnU-Net's PolyLRScheduler. */
export function polyLR(initial: number, epoch: number, maxEpochs: number, exponent = 0.9): number {
  return initial * Math.pow(1 - Math.min(epoch, maxEpochs) / maxEpochs, exponent);
}

/** Scales gradients so their global L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_). */
export function clipGradNorm(grads: Tensor[], maxNorm: number): { grads: Tensor[]; norm: number } {
  const norm = Math.sqrt(tf.tidy(() => tf.addN(grads.map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
  if (!(norm > maxNorm)) return { grads, norm };
  const scale = maxNorm / (norm + 1e-6);
  return { grads: grads.map((g) => tf.mul(g, scale)), norm };
}
