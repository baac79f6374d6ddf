/**
 * nnU-Net's PlainConvUNet on tfjs: per stage n_conv x (conv + bias -> InstanceNorm -> LeakyReLU), the
 * first conv of each encoder stage strided; decoder: transposed conv (kernel = stride, bias) up, concat
 * with the skip (upsampled first), n_conv blocks, a 1x1 head per stage (all kept, so weights load either
 * way; used for deep supervision). Padding (k-1)/2 on every axis, as PyTorch's Conv3d(padding=...), so
 * outputs and parameter layouts match the PyTorch network up to the layout transposes noted in params.
 * Activations NDHWC ([N, z, y, x, C]); 2D configurations use NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { concatChannels, convBias, convNormAct, upConv } from '../compute/ops';
import { UNetConfig, check, totalStride } from './config';

export interface Param {
  /** PyTorch state_dict name of the same parameter in PlainConvUNet */
  name: string;
  variable: Variable;
  /**
   * conv: tfjs [k..., Ci, Co] = torch [Co, Ci, k...] permuted; transposed conv: tfjs [k..., Co, Ci] =
   * torch [Ci, Co, k...] permuted; vectors are identical.
   */
  kind: 'conv' | 'transpconv' | 'vector';
}

interface Block { w: Variable; b: Variable; g: Variable; be: Variable; strides: number[]; pads: number[] }

/** A seeded normal generator (Box-Muller on a xorshift stream), so initialisation is reproducible. */
function normals(n: number, std: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const u = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 2 ** 32;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = std * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

export class UNet {
  readonly config: UNetConfig;
  readonly params: Param[] = [];
  readonly dims: 2 | 3;
  private readonly encoder: Block[][] = [];
  private readonly decoder: Block[][] = [];
  private readonly ups: { w: Variable; b: Variable; strides: number[] }[] = [];
  private readonly heads: { w: Variable; b: Variable }[] = [];
  private seed: number;

  constructor(config: UNetConfig, seed = 12345) {
    this.config = check(config);
    this.dims = config.kernelSizes[0].length as 2 | 3;
    this.seed = seed;
    const c = config;
    const n = c.featuresPerStage.length;
    let cin = c.inputChannels;
    for (let s = 0; s < n; s++) {
      const blocks: Block[] = [];
      for (let i = 0; i < c.nConvPerStage[s]; i++) {
        blocks.push(this.block(`encoder.stages.${s}.0.convs.${i}`, i === 0 ? cin : c.featuresPerStage[s], c.featuresPerStage[s], c.kernelSizes[s], i === 0 ? c.strides[s] : c.strides[s].map(() => 1)));
      }
      this.encoder.push(blocks);
      cin = c.featuresPerStage[s];
    }
    for (let d = 0; d < n - 1; d++) {
      const below = c.featuresPerStage[n - 1 - d], skip = c.featuresPerStage[n - 2 - d];
      const st = c.strides[n - 1 - d];
      const k = st.reduce((a, b) => a * b, 1);
      this.ups.push({
        w: this.param(`decoder.transpconvs.${d}.weight`, 'transpconv', [...st, skip, below], Math.sqrt(2 / (1 + 1e-4)) / Math.sqrt(skip * k)),
        b: this.param(`decoder.transpconvs.${d}.bias`, 'vector', [skip], 0),
        strides: st,
      });
      const blocks: Block[] = [];
      for (let i = 0; i < c.nConvPerStageDecoder[d]; i++) {
        blocks.push(this.block(`decoder.stages.${d}.convs.${i}`, i === 0 ? 2 * skip : skip, skip, c.kernelSizes[n - 2 - d], c.strides[0].map(() => 1)));
      }
      this.decoder.push(blocks);
      const one = c.kernelSizes[0].map(() => 1);
      this.heads.push({
        w: this.param(`decoder.seg_layers.${d}.weight`, 'conv', [...one, skip, c.numClasses], Math.sqrt(2 / (1 + 1e-4)) / Math.sqrt(skip)),
        b: this.param(`decoder.seg_layers.${d}.bias`, 'vector', [c.numClasses], 0),
      });
    }
  }

  /** He init as nnU-Net's InitWeights_He(1e-2): std = sqrt(2 / (1 + a^2)) / sqrt(fan_in); biases 0. */
  private param(name: string, kind: Param['kind'], shape: number[], std: number, fill?: number): Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = fill !== undefined ? new Float32Array(size).fill(fill) : std === 0 ? new Float32Array(size) : normals(size, std, this.seed++);
    const variable = tf.variable(tf.tensor(values, shape), true);
    this.params.push({ name, variable, kind });
    return variable;
  }

  private block(prefix: string, ci: number, co: number, k: number[], strides: number[]): Block {
    const fan = ci * k.reduce((a, b) => a * b, 1);
    return {
      w: this.param(`${prefix}.conv.weight`, 'conv', [...k, ci, co], Math.sqrt(2 / (1 + 1e-4)) / Math.sqrt(fan)),
      b: this.param(`${prefix}.conv.bias`, 'vector', [co], 0),
      g: this.param(`${prefix}.norm.weight`, 'vector', [co], 0, 1),
      be: this.param(`${prefix}.norm.bias`, 'vector', [co], 0),
      strides, pads: k.map((v) => (v - 1) / 2),
    };
  }

  get variables(): Variable[] {
    return this.params.map((p) => p.variable);
  }

  /** Number of deep-supervision outputs (one per decoder stage). */
  get numOutputs(): number {
    return this.decoder.length;
  }

  /**
   * x [N, (z,) y, x, Cin] -> logits, highest resolution first: one per decoder stage with deep
   * supervision, else only the full-resolution one. training = false keeps nothing for a backward pass.
   */
  forward(x: Tensor, opts: { training?: boolean; deepSupervision?: boolean } = {}): Tensor[] {
    const training = opts.training ?? true;
    const ds = opts.deepSupervision ?? this.config.deepSupervision;
    // The image itself needs no gradient (PyTorch skips it too): the first block may skip that backward.
    const run = (h: Tensor, b: Block) =>
      convNormAct(h, b.w, b.b, b.g, b.be, { strides: b.strides, pads: b.pads, eps: this.config.eps, slope: this.config.slope, inputGrad: h !== x }, training);
    const skips: Tensor[] = [];
    let h = x;
    for (const stage of this.encoder) {
      for (const b of stage) {
        const next = run(h, b);
        if (!training && h !== x && !skips.includes(h)) h.dispose();
        h = next;
      }
      skips.push(h);
    }
    const outs: Tensor[] = [];
    let lres = skips[skips.length - 1];
    for (let d = 0; d < this.decoder.length; d++) {
      const up = upConv(lres, this.ups[d].w, this.ups[d].b, this.ups[d].strides, training);
      if (!training) lres.dispose();
      const skip = skips[skips.length - 2 - d];
      h = concatChannels(up, skip);
      // Neither the concat's nor the upsampling's backward reads these: free them now.
      up.dispose();
      if (!training) skip.dispose();
      for (const b of this.decoder[d]) {
        const next = run(h, b);
        if (!training) h.dispose();
        h = next;
      }
      if (ds || d === this.decoder.length - 1) outs.push(convBias(h, this.heads[d].w, this.heads[d].b));
      lres = h;
    }
    if (!training) lres.dispose();
    return outs.reverse();
  }

  /** Sliding-window inference convenience: softmax-free logits at full resolution only. */
  predict(x: Tensor): Tensor {
    return this.forward(x, { training: false, deepSupervision: false })[0];
  }

  /**
   * Downsampling factor per axis of each forward output (highest resolution first): output i is at
   * encoder stage i's resolution, like nnU-Net's deep-supervision scales. Targets are the labels
   * subsampled by these factors (nearest neighbour).
   */
  outputScales(): number[][] {
    const out: number[][] = [];
    let acc = this.config.strides[0].map(() => 1);
    for (let i = 0; i < this.numOutputs; i++) {
      acc = acc.map((v, k) => v * this.config.strides[i][k]);
      out.push(acc);
    }
    return out;
  }

  /** The patch sizes this network accepts: multiples of the total stride per axis. */
  patchDivisor(): number[] {
    return totalStride(this.config);
  }

  /** Forward convolution FLOPs per sample for a patch (multiply-adds x 2), for throughput figures. */
  convFlops(patch: number[]): number {
    const c = this.config;
    let size = patch.slice();
    let flops = 0;
    const vol = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const res: number[][] = [];
    let cin = c.inputChannels;
    c.featuresPerStage.forEach((f, s) => {
      size = size.map((v, i) => Math.floor((v + c.strides[s][i] - 1) / c.strides[s][i]));
      res.push(size);
      const k = vol(c.kernelSizes[s]);
      flops += 2 * vol(size) * k * f * (cin + f * (c.nConvPerStage[s] - 1));
      cin = f;
    });
    for (let d = 0; d < this.decoder.length; d++) {
      const s = c.featuresPerStage.length - 2 - d;
      const f = c.featuresPerStage[s];
      const k = vol(c.kernelSizes[s]);
      flops += 2 * vol(res[s]) * c.featuresPerStage[s + 1] * f; // transposed conv
      flops += 2 * vol(res[s]) * k * f * (2 * f + f * (c.nConvPerStageDecoder[d] - 1));
      flops += 2 * vol(res[s]) * f * c.numClasses;
    }
    return flops;
  }

  /** Parameter values by PyTorch name (checkpoints). */
  getWeights(): Record<string, { shape: number[]; data: Float32Array }> {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const p of this.params) out[p.name] = { shape: p.variable.shape, data: p.variable.dataSync() as Float32Array };
    return out;
  }

  setWeights(w: Record<string, { shape: number[]; data: ArrayLike<number> }>): void {
    for (const p of this.params) {
      const v = w[p.name];
      if (!v) throw new Error(`checkpoint has no parameter ${p.name}`);
      if (v.shape.join() !== p.variable.shape.join()) throw new Error(`parameter ${p.name}: checkpoint shape ${v.shape} differs from ${p.variable.shape}`);
      tf.tidy(() => p.variable.assign(tf.tensor(Float32Array.from(v.data), v.shape)));
    }
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
  }
}
