/**
 * Distinct colours per label value and the window/level presets. Pure data, shared by the webview
 * and the tests.
 */

/** Strong, mutually distinct colours for the first labels (ITK-SNAP-like order: red, green, blue, ...). */
const BASE: [number, number, number][] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 0],
  [0, 255, 255],
  [255, 0, 255],
  [255, 128, 0],
  [128, 0, 255],
  [0, 128, 255],
  [255, 0, 128],
  [128, 255, 0],
  [0, 255, 128],
  [255, 160, 160],
  [160, 255, 160],
  [160, 160, 255],
  [200, 160, 60],
  [60, 160, 200],
  [200, 60, 160],
  [120, 200, 80],
  [255, 200, 120],
];

/** RGB 0..255 of a label value (>= 1). Beyond the base table: golden-angle hues, alternating lightness. */
export function labelColor(label: number): [number, number, number] {
  if (label >= 1 && label <= BASE.length) return BASE[label - 1];
  const hue = (label * 137.508) % 360;
  const light = label % 2 === 0 ? 0.55 : 0.42;
  return hslToRgb(hue, 0.85, light);
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const hp = h / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] = hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = l - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** Colours of the compare map codes (COMPARE_CODE): TP green, FP red, FN yellow, label swap magenta. */
export const COMPARE_COLORS: Record<'tp' | 'fp' | 'fn' | 'swap', [number, number, number]> = {
  tp: [0, 200, 60],
  fp: [255, 40, 40],
  fn: [255, 220, 0],
  swap: [230, 0, 230],
};

export interface WindowPreset {
  id: string;
  title: string;
  /** Window width and level (centre), in the image's calibrated units (HU for CT). */
  width?: number;
  level?: number;
  /** 'percentile': from the 0.5 / 99.5 percentiles of the image. */
  auto?: 'percentile';
}

/** CT presets as in OHIF / the radiology default tables; MRI gets the percentile window. */
export const WINDOW_PRESETS: WindowPreset[] = [
  { id: 'auto', title: 'Auto (0.5–99.5 %)', auto: 'percentile' },
  { id: 'ct-brain', title: 'CT brain 80/40', width: 80, level: 40 },
  { id: 'ct-soft', title: 'CT soft tissue 400/40', width: 400, level: 40 },
  { id: 'ct-lung', title: 'CT lung 1500/−600', width: 1500, level: -600 },
  { id: 'ct-bone', title: 'CT bone 2500/480', width: 2500, level: 480 },
  { id: 'ct-liver', title: 'CT liver 150/90', width: 150, level: 90 },
];

/** A CT in Hounsfield units has air near -1000: used to pick the soft-tissue window by default. */
export function looksLikeCT(min: number, p005: number): boolean {
  return min <= -900 && p005 <= -500;
}
