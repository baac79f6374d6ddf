/**
 * The experiment planner: nnU-Net v2's ExperimentPlanner (default_experiment_planner.py) ported rule for
 * rule, with the memory budget, base/max features and minimum feature-map edge as parameters so the same
 * planner sizes a GPU network (the `gpu` preset reproduces nnU-Net's plans) or a CPU one (`cpu` preset).
 */
import type { DatasetJson } from '../dataset/datasetJson';
import { channelNames } from '../dataset/datasetJson';
import type { DatasetFingerprint } from '../fingerprint/types';
import { argmax, columns, median, percentile, prod, pyRound } from '../fingerprint/numeric';
import { NnsegError } from '../../util/errors';
import type { Architecture, ConfigurationPlan, Plans, PlannerSettings, ResamplingKwargs } from './plans';
import { getPoolAndConvProps, type Topology } from './topology';
import { convFeatureMapSize } from './vram';
import { normalizationSchemeFor, usesMaskForNorm } from './normalizationSchemes';
import { computeNewShape } from './shapes';

export const ANISO_THRESHOLD = 3;

export interface PlannerOptions {
  /** nnU-Net's gpu_memory_target_in_gb: the reference memory proxy is scaled by memoryTargetGB / 8. */
  memoryTargetGB: number;
  baseFeatures: number;
  maxFeatures3d: number;
  maxFeatures2d: number;
  /** Pooling stops when a feature-map edge would fall below this (nnU-Net: 4). */
  featuremapMinEdgeLength: number;
  plansName: string;
  preset: PlannerSettings['preset'];
  /** nnU-Net's overwrite_target_spacing (3d_fullres and, through it, 3d_lowres). */
  overwriteTargetSpacing?: number[];
  suppressTranspose?: boolean;
}

/** nnU-Net v2's defaults: `nnseg plan --gpu-memory 8` gives nnU-Net's plans. */
export const GPU_PRESET: PlannerOptions = {
  memoryTargetGB: 8,
  baseFeatures: 32,
  maxFeatures3d: 320,
  maxFeatures2d: 512,
  featuremapMinEdgeLength: 4,
  plansName: 'nnsegPlans',
  preset: 'gpu',
};

/**
 * The CPU default: a small network that trains on a few cores. Half the base features, at most 128,
 * bottleneck edge >= 8 (so a 64^3 patch gets the 4-stage 16/32/64/128 U-Net the CPU engine was measured
 * with) and a memory target that makes a typical ~1 mm isotropic dataset land at a 64^3-96^3 patch.
 */
export const CPU_PRESET: PlannerOptions = {
  memoryTargetGB: 0.5,
  baseFeatures: 16,
  maxFeatures3d: 128,
  maxFeatures2d: 256,
  featuremapMinEdgeLength: 8,
  plansName: 'nnsegPlans',
  preset: 'cpu',
};

// nnU-Net's reference values (chosen there to reproduce nnU-Net v1's configurations)
const REFERENCE_VAL_3D = 560000000;
const REFERENCE_VAL_2D = 85000000;
const REFERENCE_GB = 8;
const REFERENCE_BS_2D = 12;
const REFERENCE_BS_3D = 2;
const MIN_BATCH_SIZE = 2;
const MAX_DATASET_COVERED = 0.05;
const LOWRES_CREATION_THRESHOLD = 0.25;
const N_CONV_PER_STAGE = 2;

export class PlanningError extends NnsegError {
  constructor(message: string) {
    super(message, undefined, 'EPLANNING');
  }
}

export interface PlannerInput {
  datasetName: string;
  datasetJson: DatasetJson;
  fingerprint: DatasetFingerprint;
  /** The first training image file, to name the reader (nnU-Net's image_reader_writer). */
  exampleImageFile?: string;
}

export function determineFullresTargetSpacing(fp: DatasetFingerprint, opts: Pick<PlannerOptions, 'overwriteTargetSpacing'> = {}): number[] {
  if (opts.overwriteTargetSpacing) return opts.overwriteTargetSpacing.slice();
  const spacings = fp.spacings;
  const target = columns(spacings, (c) => percentile(c, 50));
  const targetSize = columns(fp.shapes_after_crop, (c) => percentile(c, 50));
  const worst = argmax(target);
  const others = target.map((_, i) => i).filter((i) => i !== worst);
  const otherSpacings = others.map((i) => target[i]);
  const otherSizes = others.map((i) => targetSize[i]);
  const anisoSpacing = target[worst] > ANISO_THRESHOLD * Math.max(...otherSpacings);
  const anisoVoxels = targetSize[worst] * ANISO_THRESHOLD < Math.min(...otherSizes);
  if (anisoSpacing && anisoVoxels) {
    let t = percentile(spacings.map((s) => s[worst]), 10);
    if (t < Math.max(...otherSpacings)) t = Math.max(Math.max(...otherSpacings), t) + 1e-5;
    target[worst] = t;
  }
  return target;
}

export function determineTranspose(targetSpacing: number[], suppress = false): { forward: number[]; backward: number[] } {
  if (suppress) return { forward: [0, 1, 2], backward: [0, 1, 2] };
  const maxAxis = argmax(targetSpacing);
  const forward = [maxAxis, ...[0, 1, 2].filter((i) => i !== maxAxis)];
  const backward = [0, 1, 2].map((i) => forward.indexOf(i));
  return { forward, backward };
}

function resamplingKwargs(isSeg: boolean, order: number): ResamplingKwargs {
  return { is_seg: isSeg, order, order_z: 0, force_separate_z: null };
}

/** argsort(...)[-1]: the largest value; numpy's (stable for short arrays) sort puts the last tie last. */
function lastArgmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] >= values[best]) best = i;
  return best;
}

interface ConfigurationContext {
  input: PlannerInput;
  opts: PlannerOptions;
  estimates: Record<string, number>;
}

function architectureFor(topo: Topology, dim: number, opts: PlannerOptions): Architecture {
  const nStages = topo.poolOpKernelSizes.length;
  const maxF = dim === 2 ? opts.maxFeatures2d : opts.maxFeatures3d;
  const conv = dim === 2 ? 'Conv2d' : 'Conv3d';
  const norm = dim === 2 ? 'InstanceNorm2d' : 'InstanceNorm3d';
  return {
    network_class_name: 'dynamic_network_architectures.architectures.unet.PlainConvUNet',
    arch_kwargs: {
      n_stages: nStages,
      features_per_stage: Array.from({ length: nStages }, (_, i) => Math.min(maxF, opts.baseFeatures * 2 ** i)),
      conv_op: `torch.nn.modules.conv.${conv}`,
      kernel_sizes: topo.convKernelSizes,
      strides: topo.poolOpKernelSizes,
      n_conv_per_stage: new Array(nStages).fill(N_CONV_PER_STAGE),
      n_conv_per_stage_decoder: new Array(nStages - 1).fill(N_CONV_PER_STAGE),
      conv_bias: true,
      norm_op: `torch.nn.modules.instancenorm.${norm}`,
      norm_op_kwargs: { eps: 1e-5, affine: true },
      dropout_op: null,
      dropout_op_kwargs: null,
      nonlin: 'torch.nn.LeakyReLU',
      nonlin_kwargs: { inplace: true },
    },
    _kw_requires_import: ['conv_op', 'norm_op', 'dropout_op', 'nonlin'],
  };
}

function estimate(patch: number[], arch: Architecture, numClasses: number): number {
  const k = arch.arch_kwargs;
  return convFeatureMapSize(patch, {
    featuresPerStage: k.features_per_stage,
    strides: k.strides,
    nConvPerStage: k.n_conv_per_stage,
    nConvPerStageDecoder: k.n_conv_per_stage_decoder,
    numClasses,
  });
}

/** nnU-Net's get_plans_for_configuration (without batch_dice, which plan_experiment sets). */
export function planConfiguration(
  ctx: ConfigurationContext,
  spacing: number[],
  medianShape: number[],
  dataIdentifier: string,
  approximateVoxelsDataset: number,
): Omit<ConfigurationPlan, 'batch_dice'> {
  const { input, opts } = ctx;
  if (!spacing.every((s) => s > 0)) throw new PlanningError(`Spacing must be > 0, got [${spacing.join(', ')}].`);
  const dim = spacing.length;
  const numClasses = Object.keys(input.datasetJson.labels).length;
  const minEdge = opts.featuremapMinEdgeLength;

  // initial patch: the aspect ratio of 1/spacing, scaled to the volume of 256^3 (3D) or 2048^2 (2D)
  const tmp = spacing.map((s) => 1 / s);
  const p = prod(tmp);
  const scale = dim === 3 ? (256 ** 3 / p) ** (1 / 3) : (2048 ** 2 / p) ** (1 / 2);
  const initial = tmp.map((t) => pyRound(t * scale)).map((v, i) => Math.min(v, medianShape[i]));

  let topo = getPoolAndConvProps(spacing, initial, minEdge);
  let patch = topo.patchSize;
  let arch = architectureFor(topo, dim, opts);
  let est = estimate(patch, arch, numClasses);

  const refVal = dim === 2 ? REFERENCE_VAL_2D : REFERENCE_VAL_3D;
  const reference = refVal * (opts.memoryTargetGB / REFERENCE_GB);
  const refBs = dim === 2 ? REFERENCE_BS_2D : REFERENCE_BS_3D;

  // shrink the axis that is largest relative to the median shape until the estimate fits at batch 2
  let guard = 0;
  while ((est / refBs) * 2 > reference) {
    const axis = lastArgmax(patch.map((v, i) => v / medianShape[i]));
    // first step down by the current divisor, then by the divisor of the smaller size: this does not skip
    // valid sizes such as 224 between 256 and 192 (nnU-Net's comment)
    const probe = patch.slice();
    probe[axis] -= topo.mustBeDivisibleBy[axis];
    const divisor = getPoolAndConvProps(spacing, probe, minEdge).mustBeDivisibleBy;
    const next = patch.slice();
    next[axis] -= divisor[axis];
    if (next[axis] < 1 || ++guard > 10000) {
      throw new PlanningError(
        `No patch fits a memory target of ${opts.memoryTargetGB} GB for the ${dataIdentifier} configuration; raise the memory target or lower the features.`,
      );
    }
    topo = getPoolAndConvProps(spacing, next, minEdge);
    patch = topo.patchSize;
    arch = architectureFor(topo, dim, opts);
    est = estimate(patch, arch, numClasses);
  }

  let batchSize = pyRound((reference / est) * refBs);
  const bs5 = pyRound((approximateVoxelsDataset * MAX_DATASET_COVERED) / prod(patch));
  batchSize = Math.max(Math.min(batchSize, bs5), MIN_BATCH_SIZE);
  ctx.estimates[dataIdentifier] = est;

  const names = channelNames(input.datasetJson);
  const useMask = usesMaskForNorm(input.fingerprint.median_relative_size_after_cropping);
  return {
    data_identifier: dataIdentifier,
    preprocessor_name: 'DefaultPreprocessor',
    batch_size: batchSize,
    patch_size: patch,
    median_image_size_in_voxels: medianShape.slice(),
    spacing: spacing.slice(),
    normalization_schemes: names.map(normalizationSchemeFor),
    use_mask_for_norm: names.map((n) => useMask && normalizationSchemeFor(n) === 'ZScoreNormalization'),
    resampling_fn_data: 'resample_data_or_seg_to_shape',
    resampling_fn_seg: 'resample_data_or_seg_to_shape',
    resampling_fn_data_kwargs: resamplingKwargs(false, 3),
    resampling_fn_seg_kwargs: resamplingKwargs(true, 1),
    resampling_fn_probabilities: 'resample_data_or_seg_to_shape',
    resampling_fn_probabilities_kwargs: resamplingKwargs(false, 1),
    architecture: arch,
  };
}

function imageReaderWriter(input: PlannerInput): string {
  const over = input.datasetJson.overwrite_image_reader_writer;
  if (typeof over === 'string' && over) return over;
  return 'SimpleITKIO';
}

/** nnU-Net's plan_experiment: 3d_fullres (if 3D), 3d_lowres (if the patch covers < 25% of the image), 2d. */
export function planExperiment(input: PlannerInput, options: Partial<PlannerOptions> = {}): Plans {
  const opts: PlannerOptions = { ...GPU_PRESET, ...options };
  const fp = input.fingerprint;
  if (!fp.spacings.length) throw new PlanningError('The fingerprint has no cases; nothing to plan.');
  const ctx: ConfigurationContext = { input, opts, estimates: {} };
  const id = (c: string) => `${opts.plansName}_${c}`;
  const numTraining = input.datasetJson.numTraining;

  const fullresSpacing = determineFullresTargetSpacing(fp, opts);
  const { forward, backward } = determineTranspose(fullresSpacing, opts.suppressTranspose);
  const fullresSpacingT = forward.map((i) => fullresSpacing[i]);

  const newShapes = fp.spacings.map((s, c) => computeNewShape(fp.shapes_after_crop[c], s, fullresSpacing));
  const newMedianShape = columns(newShapes, median);
  const newMedianShapeT = forward.map((i) => newMedianShape[i]);
  const approxVoxels = prod(newMedianShapeT) * numTraining;

  const configurations: Plans['configurations'] = {};
  let fullres: ConfigurationPlan | undefined;
  let lowres: ConfigurationPlan | undefined;
  if (newMedianShapeT[0] !== 1) {
    const f = planConfiguration(ctx, fullresSpacingT, newMedianShapeT, id('3d_fullres'), approxVoxels);
    fullres = { ...f, batch_dice: false };
    let medianNumVoxels = prod(newMedianShapeT);
    let patchVoxels = prod(f.patch_size);
    const lowresSpacing = f.spacing.slice();
    const increase = 1.03;
    let candidate: Omit<ConfigurationPlan, 'batch_dice'> | undefined;
    while (patchVoxels / medianNumVoxels < LOWRES_CREATION_THRESHOLD) {
      // coarsen the finer axes first until all are within a factor 2 of the coarsest, then all together
      const maxSpacing = Math.max(...lowresSpacing);
      const finer = lowresSpacing.map((s) => maxSpacing / s > 2);
      if (finer.some(Boolean)) {
        for (let i = 0; i < 3; i++) if (finer[i]) lowresSpacing[i] *= increase;
      } else {
        for (let i = 0; i < 3; i++) lowresSpacing[i] *= increase;
      }
      const lowresShape = f.spacing.map((s, i) => (s / lowresSpacing[i]) * newMedianShapeT[i]);
      medianNumVoxels = prod(lowresShape);
      candidate = planConfiguration(
        ctx,
        lowresSpacing.slice(),
        lowresShape.map(pyRound),
        id('3d_lowres'),
        prod([medianNumVoxels]) * numTraining,
      );
      patchVoxels = prod(candidate.patch_size);
    }
    if (candidate && prod(newMedianShapeT) / medianNumVoxels >= 2) {
      lowres = { ...candidate, batch_dice: false, next_stage: '3d_cascade_fullres' };
      fullres.batch_dice = true;
    }
    if (!lowres) delete ctx.estimates[id('3d_lowres')];
  }

  const p2 = planConfiguration(ctx, fullresSpacingT.slice(1), newMedianShapeT.slice(1), id('2d'), approxVoxels);
  configurations['2d'] = { ...p2, batch_dice: true };
  if (lowres) configurations['3d_lowres'] = lowres;
  if (fullres) {
    configurations['3d_fullres'] = fullres;
    if (lowres) configurations['3d_cascade_fullres'] = { inherits_from: '3d_fullres', previous_stage: '3d_lowres' };
  }

  const medianSpacing = columns(fp.spacings, median);
  const medianShape = columns(fp.shapes_after_crop, median);
  return {
    dataset_name: input.datasetName,
    plans_name: opts.plansName,
    original_median_spacing_after_transp: forward.map((i) => medianSpacing[i]),
    original_median_shape_after_transp: forward.map((i) => pyRound(medianShape[i])),
    image_reader_writer: imageReaderWriter(input),
    transpose_forward: forward,
    transpose_backward: backward,
    configurations,
    experiment_planner_used: 'ExperimentPlanner',
    label_manager: 'LabelManager',
    foreground_intensity_properties_per_channel: fp.foreground_intensity_properties_per_channel,
    nnseg_planner: {
      preset: opts.preset,
      memory_target_gb: opts.memoryTargetGB,
      base_features: opts.baseFeatures,
      max_features_3d: opts.maxFeatures3d,
      max_features_2d: opts.maxFeatures2d,
      featuremap_min_edge_length: opts.featuremapMinEdgeLength,
      estimates: ctx.estimates,
    },
  };
}
