import type { NVImage } from '@niivue/niivue';
import { COMPARE_COLORS, labelColor } from '../../../client/src/viewer/labelColors';
import type { LabelComparison, LabelCount } from '../../../client/src/viewer/labelStats';

/** A label map shown over the image (or as the image): its colours, names, visibility and statistics. */
export interface LabelLayer {
  id: string;
  /** File name (or "compare") shown in the legend. */
  title: string;
  kind: 'labels' | 'compare';
  vol: NVImage;
  names: Map<number, string>;
  hidden: Set<number>;
  visible: boolean;
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
  for (const k of layer.names.keys()) mx = Math.max(mx, k);
  const g = layer.vol.global_max;
  if (g !== undefined && Number.isFinite(g)) mx = Math.max(mx, Math.round(g));
  return Math.max(1, Math.min(mx, 65535));
}

/** Dense RGBA lookup table 0..max: label 0 and hidden labels transparent. */
export function applyLut(layer: LabelLayer): void {
  const mx = maxLabel(layer);
  const lut = new Uint8ClampedArray((mx + 1) * 4);
  const labels: string[] = new Array(mx + 1);
  labels[0] = '';
  for (let v = 1; v <= mx; v++) {
    const [r, g, b] = layerColor(layer, v);
    lut.set([r, g, b, layer.hidden.has(v) ? 0 : 255], v * 4);
    labels[v] = labelName(layer, v);
  }
  layer.vol.colormapLabel = { lut, min: 0, max: mx, labels };
}

export function parseLabelNames(names: Record<string, string> | undefined): Map<number, string> {
  const out = new Map<number, string>();
  for (const [k, v] of Object.entries(names ?? {})) {
    const n = Number(k);
    if (Number.isInteger(n) && n > 0 && typeof v === 'string') out.set(n, v);
  }
  return out;
}
