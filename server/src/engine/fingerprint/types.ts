import type { IntensityProperties } from '../planning/plans';

/**
 * dataset_fingerprint.json, with nnU-Net v2's field names (DatasetFingerprintExtractor.run). Spacings and
 * shapes are in the engine's array order ([z, y, x], like nnU-Net's SimpleITK reader), one row per case.
 */
export interface DatasetFingerprint {
  spacings: number[][];
  shapes_after_crop: number[][];
  /** Channel index ("0", "1", ...) -> statistics of the foreground (label > 0) voxels, sampled. */
  foreground_intensity_properties_per_channel: Record<string, IntensityProperties>;
  median_relative_size_after_cropping: number;
  /** nnSeg addition: the shape of every case as stored (before cropping), same row order. */
  shapes_before_crop?: number[][];
  /** nnSeg addition: the case identifiers, in the row order of spacings and shapes_after_crop. */
  case_identifiers?: string[];
}
