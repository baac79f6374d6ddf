import { pyRound } from '../fingerprint/numeric';

/** nnU-Net's compute_new_shape: round(old_spacing / new_spacing * old_shape) per axis (Python rounding). */
export function computeNewShape(oldShape: number[], oldSpacing: number[], newSpacing: number[]): number[] {
  return oldShape.map((s, i) => pyRound((oldSpacing[i] / newSpacing[i]) * s));
}
