import { COMPARE_COLORS, labelColor } from '../../../client/src/viewer/labelColors';
import type { LabelComparison, LabelCount } from '../../../client/src/viewer/labelStats';

/** A label map shown over the image (or as the image): its colours, names, visibility and statistics. */
export interface LabelLayer {
  id: string;
  /** File name (or "Compare") shown in the legend and the readout. */
  title: string;
  kind: 'labels' | 'compare';
  /** The opened file itself is this label map (no image under it). */
  isImage?: boolean;
  /** Label values, file order, on the image's grid. */
  data: Uint8Array | Uint16Array;
  /** RGBA per label value, alpha 0 for label 0 and hidden labels (rebuilt by buildLut). */
  lut: Uint8ClampedArray;
  names: Map<number, string>;
  hidden: Set<number>;
  visible: boolean;
  voxelVolume?: number;
  /** Per-label voxels / volume / centroid; undefined until computed (after the first frame). */
  stats?: LabelCount[];
  /** Compare layers: per-label TP/FP/FN/Dice, and which label the codes are restricted to. */
  comparison?: LabelComparison[];
  compareLabel?: number;
  /** Names of the compared labels (from the reference's / prediction's label names). */
  compareNames?: Map<number, string>;
}

export const COMPARE_NAMES = new Map<number, string>([
  [1, 'true positive'],
  [2, 'false positive'],
  [3, 'false negative'],
  [4, 'label swap'],
]);

export function layerColor(layer: LabelLayer, label: number): [number, number, number] {
  if (layer.kind === 'compare') {
    return [COMPARE_COLORS.tp, COMPARE_COLORS.fp, COMPARE_COLORS.fn, COMPARE_COLORS.swap][label - 1] ?? [128, 128, 128];
  }
  return labelColor(label);
}

export function labelName(layer: LabelLayer, label: number): string {
  return layer.names.get(label) ?? (layer.kind === 'compare' ? COMPARE_NAMES.get(label) : undefined) ?? `label ${label}`;
}

/** The largest label value of the layer (sets the LUT length). */
export function maxLabel(layer: LabelLayer): number {
  let mx = layer.kind === 'compare' ? 4 : 0;
  for (const s of layer.stats ?? []) mx = Math.max(mx, s.label);
  if (!layer.stats) {
    const d = layer.data;
    for (let i = 0; i < d.length; i++) if (d[i] > mx) mx = d[i];
  }
  return Math.max(1, Math.min(mx, 65535));
}

/** Dense RGBA lookup table 0..max: label 0 and hidden labels transparent. */
export function buildLut(layer: LabelLayer): void {
  const mx = maxLabel(layer);
  const lut = new Uint8ClampedArray((mx + 1) * 4);
  for (let v = 1; v <= mx; v++) {
    const [r, g, b] = layerColor(layer, v);
    lut.set([r, g, b, layer.hidden.has(v) ? 0 : 255], v * 4);
  }
  layer.lut = lut;
}

export function parseLabelNames(names: Record<string, string> | undefined): Map<number, string> {
  const out = new Map<number, string>();
  for (const [k, v] of Object.entries(names ?? {})) {
    const n = Number(k);
    if (Number.isInteger(n) && n > 0 && typeof v === 'string') out.set(n, v);
  }
  return out;
}
