import { NnsegError } from '../../util/errors';
import { totalStrides } from '../planning/topology';

/**
 * nnU-Net's PlainConvUNet (dynamic_network_architectures), as plans describe it. Spatial lists are in
 * the engine's axis order ([z, y, x], like the plans). Conv bias on, InstanceNorm eps 1e-5 affine,
 * LeakyReLU 0.01: nnU-Net's defaults, fixed here.
 */
export interface UNetConfig {
  inputChannels: number;
  numClasses: number;
  featuresPerStage: number[];
  /** per stage, one size per spatial axis (2 or 3 entries) */
  kernelSizes: number[][];
  /** per stage; stage 0 is usually all 1 */
  strides: number[][];
  nConvPerStage: number[];
  nConvPerStageDecoder: number[];
  deepSupervision: boolean;
  eps?: number;
  slope?: number;
}

type Json = Record<string, unknown>;

const asList = (v: unknown, n: number, what: string): unknown[] => {
  if (Array.isArray(v)) return v;
  if (typeof v === 'number') return Array(n).fill(v);
  throw new NnsegError(`Plans: ${what} is missing or not a list.`);
};

/**
 * From one plans configuration (nnU-Net v2's `configurations[name]`: `architecture.arch_kwargs`, or
 * the older top-level keys `conv_kernel_sizes`, `pool_op_kernel_sizes`, `UNet_base_num_features`...).
 */
export function unetConfigFromPlans(configuration: Json, inputChannels: number, numClasses: number, deepSupervision = true, file?: string): UNetConfig {
  const arch = (configuration.architecture as Json | undefined)?.arch_kwargs as Json | undefined;
  const where = file ? ` in ${file}` : '';
  try {
    if (arch) {
      const n = Number(arch.n_stages);
      const spatial = (asList(arch.kernel_sizes, n, 'kernel_sizes')[0] as unknown[] | number);
      const dims = Array.isArray(spatial) ? spatial.length : 3;
      const perAxis = (v: unknown) => (Array.isArray(v) ? (v as number[]).map(Number) : Array(dims).fill(Number(v)));
      return check({
        inputChannels, numClasses, deepSupervision,
        featuresPerStage: asList(arch.features_per_stage, n, 'features_per_stage').map(Number),
        kernelSizes: asList(arch.kernel_sizes, n, 'kernel_sizes').map(perAxis),
        strides: asList(arch.strides, n, 'strides').map(perAxis),
        nConvPerStage: asList(arch.n_conv_per_stage, n, 'n_conv_per_stage').map(Number),
        nConvPerStageDecoder: asList(arch.n_conv_per_stage_decoder, n - 1, 'n_conv_per_stage_decoder').map(Number),
        eps: Number(((arch.norm_op_kwargs as Json | undefined)?.eps) ?? 1e-5),
        slope: Number(((arch.nonlin_kwargs as Json | undefined)?.negative_slope) ?? 0.01),
      });
    }
    const kernels = configuration.conv_kernel_sizes as number[][];
    const pools = configuration.pool_op_kernel_sizes as number[][];
    const base = Number(configuration.UNet_base_num_features ?? 32);
    const maxF = Number(configuration.unet_max_num_features ?? 320);
    if (!Array.isArray(kernels) || !Array.isArray(pools)) throw new NnsegError('Plans: the configuration has neither architecture.arch_kwargs nor conv_kernel_sizes/pool_op_kernel_sizes.');
    const n = kernels.length;
    return check({
      inputChannels, numClasses, deepSupervision,
      featuresPerStage: Array.from({ length: n }, (_, i) => Math.min(base * 2 ** i, maxF)),
      kernelSizes: kernels, strides: pools,
      nConvPerStage: asList(configuration.n_conv_per_stage_encoder ?? 2, n, 'n_conv_per_stage_encoder').map(Number),
      nConvPerStageDecoder: asList(configuration.n_conv_per_stage_decoder ?? 2, n - 1, 'n_conv_per_stage_decoder').map(Number),
    });
  } catch (e) {
    if (e instanceof NnsegError) throw new NnsegError(e.message.replace(/\.$/, '') + where + '.', file);
    throw e;
  }
}

export function check(c: UNetConfig): UNetConfig {
  const n = c.featuresPerStage.length;
  const dims = c.kernelSizes[0]?.length;
  const bad = (m: string) => { throw new NnsegError(`U-Net configuration: ${m}.`); };
  if (n < 1) bad('no stages');
  if (dims !== 2 && dims !== 3) bad(`kernel sizes must have 2 or 3 entries per stage, got ${dims}`);
  if (c.kernelSizes.length !== n || c.strides.length !== n || c.nConvPerStage.length !== n) bad(`kernel_sizes, strides and n_conv_per_stage need ${n} entries (one per stage)`);
  if (c.nConvPerStageDecoder.length !== n - 1) bad(`n_conv_per_stage_decoder needs ${n - 1} entries`);
  for (const k of c.kernelSizes) if (k.length !== dims || k.some((v) => v < 1 || v % 2 === 0)) bad(`kernel size ${k} must be odd, ${dims} entries`);
  for (const s of c.strides) if (s.length !== dims || s.some((v) => v < 1)) bad(`stride ${s} must have ${dims} positive entries`);
  if (c.inputChannels < 1 || c.numClasses < 1) bad('input channels and classes must be positive');
  return c;
}

/** The product of strides up to each stage: the patch must be divisible by the last entry. */
export function totalStride(c: UNetConfig): number[] {
  return totalStrides(c.strides);
}
