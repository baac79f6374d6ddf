/**
 * One case's contribution to the fingerprint (nnU-Net's DatasetFingerprintExtractor.analyze_case): spacing,
 * shape after cropping to the nonzero region, relative size after cropping, and the sampled foreground
 * intensities of every channel.
 */
import { loadCase } from '../dataset/load';
import type { DatasetCase } from '../dataset/cases';
import { bboxOfMask, nonzeroMask, volumeSize } from '../preprocessing/crop';
import { sampleForeground, type WeightedSample } from './intensity';

export interface CaseFingerprint {
  id: string;
  spacing: number[];
  shapeAfterCrop: number[];
  shapeBeforeCrop: number[];
  relativeSizeAfterCropping: number;
  samples: WeightedSample[];
}

/** Foreground (label > 0) values of each channel inside the crop box, in C order of the cropped array. */
export function foregroundInBox(channels: Float32Array[], seg: Int16Array, shape: number[], bbox: [number, number][]): Float32Array[] {
  const [, Y, X] = shape;
  const [[z0, z1], [y0, y1], [x0, x1]] = bbox;
  let n = 0;
  for (let z = z0; z < z1; z++) for (let y = y0; y < y1; y++) for (let x = x0, i = (z * Y + y) * X + x0; x < x1; x++, i++) if (seg[i] > 0) n++;
  return channels.map((c) => {
    const out = new Float32Array(n);
    let k = 0;
    for (let z = z0; z < z1; z++) for (let y = y0; y < y1; y++) for (let x = x0, i = (z * Y + y) * X + x0; x < x1; x++, i++) if (seg[i] > 0) out[k++] = c[i];
    return out;
  });
}

export async function analyzeCase(c: DatasetCase, numSamples: number, numChannels?: number): Promise<CaseFingerprint> {
  const loaded = await loadCase(c, { numChannels });
  const { shape, channels } = loaded;
  const mask = nonzeroMask(channels, shape, { fill: false }); // filling holes does not move the box
  const bbox = bboxOfMask(mask, shape);
  const shapeAfterCrop = bbox.map(([a, b]) => b - a);
  const seg = loaded.seg ?? new Int16Array(volumeSize(shape));
  const fg = foregroundInBox(channels, seg, shape, bbox);
  return {
    id: c.id,
    spacing: loaded.spacing,
    shapeAfterCrop,
    shapeBeforeCrop: shape.slice(),
    relativeSizeAfterCropping: volumeSize(shapeAfterCrop) / volumeSize(shape),
    samples: sampleForeground(fg, numSamples),
  };
}
