/**
 * One case through nnU-Net's DefaultPreprocessor.run_case_npy, in memory: transpose, crop to nonzero,
 * normalise (before resampling, so the nonzero mask still fits), resample images and labels to the
 * configuration's spacing, sample foreground locations.
 */
import type { ConfigurationPlan, IntensityProperties } from '../planning/plans';
import { computeNewShape } from '../planning/shapes';
import { cropToNonzero, volumeSize } from './crop';
import { sampleForegroundLocations } from './foreground';
import { normalizeChannel } from './normalize';
import { resampleToShape } from './resample';
import { transpose3 } from './transpose';

export interface CaseInput {
  /** One Float32Array per channel, C-order [z, y, x]. */
  channels: Float32Array[];
  /** Label map in the same geometry, or null for test cases. */
  seg: Int16Array | null;
  shape: number[];
  spacing: number[];
}

export interface CaseProperties {
  /** Original spacing, in the file's [z, y, x] order. */
  spacing: number[];
  shape_before_cropping: number[];
  bbox_used_for_cropping: [number, number][];
  shape_after_cropping_and_before_resampling: number[];
  /** Spacing after resampling, transposed order. */
  spacing_after_resampling: number[];
}

export interface PreprocessedCase {
  channels: Float32Array[];
  seg: Int8Array | Int16Array;
  /** [z, y, x] of every channel and of seg, after transpose and resampling. */
  shape: number[];
  properties: CaseProperties;
  classLocations: Record<string, Int32Array>;
}

export interface CaseSettings {
  configuration: ConfigurationPlan;
  transposeForward: number[];
  intensityProperties: Record<string, IntensityProperties>;
  /** Labels or regions to collect foreground locations for (foregroundClasses of the dataset.json). */
  foregroundClasses: (number | number[])[];
  /** Values label files may hold (dataset.json's labels and ignore label); others fail the case. */
  declaredLabels?: number[];
  /** For error messages. */
  file?: string;
}

export function preprocessCase(input: CaseInput, s: CaseSettings): PreprocessedCase {
  const tf = s.transposeForward;
  const channels0 = input.channels.map((c) => transpose3(c, input.shape, tf, (n) => new Float32Array(n)).data);
  const shapeT = tf.map((i) => input.shape[i]);
  const segT = input.seg ? transpose3(input.seg, input.shape, tf, (n) => new Int16Array(n)).data : null;
  const originalSpacing = tf.map((i) => input.spacing[i]);

  const cropped = cropToNonzero(channels0, segT, shapeT, (n) => new Int16Array(n));
  const cfg = s.configuration;
  const targetSpacing = cfg.spacing.length < cropped.shape.length ? [originalSpacing[0], ...cfg.spacing] : cfg.spacing.slice();
  const newShape = computeNewShape(cropped.shape, originalSpacing, targetSpacing);

  cropped.channels.forEach((c, i) => {
    normalizeChannel(
      cfg.normalization_schemes[i],
      c,
      cropped.seg,
      cfg.use_mask_for_norm[i],
      s.intensityProperties[String(i)],
      s.file,
    );
  });

  const data = resampleToShape(cropped.channels, cropped.shape, newShape, originalSpacing, targetSpacing, cfg.resampling_fn_data_kwargs);
  const [segR] = resampleToShape([cropped.seg], cropped.shape, newShape, originalSpacing, targetSpacing, cfg.resampling_fn_seg_kwargs);

  const classLocations = input.seg ? sampleForegroundLocations(segR, newShape, s.foregroundClasses) : {};
  let max = -Infinity;
  for (let i = 0; i < segR.length; i++) if (segR[i] > max) max = segR[i];
  const seg = max > 127 ? Int16Array.from(segR) : Int8Array.from(segR);
  if (volumeSize(newShape) !== seg.length) throw new Error('internal: resampled label size mismatch');

  return {
    channels: data,
    seg,
    shape: newShape,
    properties: {
      spacing: input.spacing.slice(),
      shape_before_cropping: shapeT,
      bbox_used_for_cropping: cropped.bbox,
      shape_after_cropping_and_before_resampling: cropped.shape,
      spacing_after_resampling: targetSpacing,
    },
    classLocations,
  };
}
