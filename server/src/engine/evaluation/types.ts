/** Any typed array a NIfTI label map can arrive as (raw integer types or scaled Float32). */
export type LabelArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

export type Shape3 = [number, number, number];

/** A label map in engine order: C-order, shape [z, y, x], spacing [sz, sy, sx] in mm. */
export interface LabelGrid {
  data: LabelArray;
  shape: Shape3;
  spacing: Shape3;
}

/**
 * How the two directions of the surface distances are combined into one Hausdorff percentile:
 * `max` = max over the two directed p-th percentiles (DeepMind surface-distance, MONAI);
 * `pooled` = p-th percentile of both directions pooled (MedPy's hd95).
 */
export type HdMode = 'max' | 'pooled';

/** Which mask was empty when the distances are undefined. */
export type EmptyFlag = 'ref' | 'pred' | 'both' | null;

/** The metrics of one label in one case. null = undefined (0/0, or distances with an empty mask). */
export interface LabelMetrics {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  dice: number | null;
  iou: number | null;
  sensitivity: number | null;
  specificity: number | null;
  hd95: number | null;
  hd99_9: number | null;
  hd100: number | null;
  assd: number | null;
  refVolumeMm3: number;
  predVolumeMm3: number;
  /** Set when a mask is empty; the distances are then null. */
  empty: EmptyFlag;
}

export interface CaseMetricsOptions {
  /** Labels to evaluate; default: every non-zero value found in either map. */
  labels?: number[];
  hdMode?: HdMode;
  /** Skip the surface distances (Dice-only evaluation, as nnU-Net's). */
  distances?: boolean;
  /** Reference voxels with this value are excluded (nnU-Net's ignore label). */
  ignoreLabel?: number;
}

export interface CaseMetrics {
  labels: Record<string, LabelMetrics>;
}

/** The metric names that are averaged over cases (means, tables, box plots, tests). */
export const summaryMetrics = ['dice', 'iou', 'sensitivity', 'specificity', 'hd95', 'hd99_9', 'hd100', 'assd'] as const;
export type SummaryMetric = (typeof summaryMetrics)[number];

/** Larger is better for overlap metrics, smaller for distances (used for arrows and the "better" column). */
export const higherIsBetter: Record<SummaryMetric, boolean> = {
  dice: true,
  iou: true,
  sensitivity: true,
  specificity: true,
  hd95: false,
  hd99_9: false,
  hd100: false,
  assd: false,
};
