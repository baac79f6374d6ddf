/**
 * nnsegPlans.json: nnU-Net v2's plans file (same field names, same meaning), plus an `nnseg_planner`
 * block recording the planner settings that produced it. Schema: schemas/plans.schema.json.
 */

export interface IntensityProperties {
  mean: number;
  median: number;
  std: number;
  min: number;
  max: number;
  percentile_99_5: number;
  percentile_00_5: number;
}

export interface ResamplingKwargs {
  is_seg: boolean;
  order: number;
  order_z: number;
  force_separate_z: boolean | null;
}

export interface ArchKwargs {
  n_stages: number;
  features_per_stage: number[];
  conv_op: string;
  kernel_sizes: number[][];
  strides: number[][];
  n_conv_per_stage: number[];
  n_conv_per_stage_decoder: number[];
  conv_bias: boolean;
  norm_op: string;
  norm_op_kwargs: { eps: number; affine: boolean };
  dropout_op: string | null;
  dropout_op_kwargs: Record<string, unknown> | null;
  nonlin: string;
  nonlin_kwargs: Record<string, unknown>;
}

export interface Architecture {
  network_class_name: string;
  arch_kwargs: ArchKwargs;
  _kw_requires_import: string[];
}

export interface ConfigurationPlan {
  data_identifier: string;
  preprocessor_name: string;
  batch_size: number;
  patch_size: number[];
  median_image_size_in_voxels: number[];
  spacing: number[];
  normalization_schemes: string[];
  use_mask_for_norm: boolean[];
  resampling_fn_data: string;
  resampling_fn_seg: string;
  resampling_fn_data_kwargs: ResamplingKwargs;
  resampling_fn_seg_kwargs: ResamplingKwargs;
  resampling_fn_probabilities: string;
  resampling_fn_probabilities_kwargs: ResamplingKwargs;
  architecture: Architecture;
  batch_dice: boolean;
  next_stage?: string;
}

/** A configuration that only overrides another (nnU-Net's 3d_cascade_fullres). */
export interface InheritingConfiguration {
  inherits_from: string;
  previous_stage?: string;
  [key: string]: unknown;
}

export interface PlannerSettings {
  preset: 'gpu' | 'cpu' | 'custom';
  memory_target_gb: number;
  base_features: number;
  max_features_3d: number;
  max_features_2d: number;
  featuremap_min_edge_length: number;
  /** Memory proxy (feature-map elements per patch) of each planned configuration. */
  estimates: Record<string, number>;
}

export interface Plans {
  dataset_name: string;
  plans_name: string;
  original_median_spacing_after_transp: number[];
  original_median_shape_after_transp: number[];
  image_reader_writer: string;
  transpose_forward: number[];
  transpose_backward: number[];
  configurations: Record<string, ConfigurationPlan | InheritingConfiguration>;
  experiment_planner_used: string;
  label_manager: string;
  foreground_intensity_properties_per_channel: Record<string, IntensityProperties>;
  nnseg_planner?: PlannerSettings;
}

export function isFullConfiguration(c: ConfigurationPlan | InheritingConfiguration | undefined): c is ConfigurationPlan {
  return !!c && 'patch_size' in c;
}

/**
 * A configuration with inheritance resolved (nnU-Net's PlansManager.get_configuration): the base
 * configuration's fields, then the inheriting one's overrides.
 */
export function resolveConfiguration(plans: Plans, name: string): ConfigurationPlan {
  const seen = new Set<string>();
  const resolve = (n: string): Record<string, unknown> => {
    const c = plans.configurations[n];
    if (!c) throw new Error(`configuration "${n}" is not in the plans (have: ${Object.keys(plans.configurations).join(', ')})`);
    if (seen.has(n)) throw new Error(`configuration "${n}" inherits from itself`);
    seen.add(n);
    const own = c as Record<string, unknown>;
    if (typeof own.inherits_from !== 'string') return { ...own };
    const base = resolve(own.inherits_from);
    const merged: Record<string, unknown> = { ...base, ...own };
    delete merged.inherits_from;
    return merged;
  };
  const out = resolve(name) as unknown as ConfigurationPlan;
  if (!isFullConfiguration(out)) throw new Error(`configuration "${name}" has no patch_size`);
  return out;
}
