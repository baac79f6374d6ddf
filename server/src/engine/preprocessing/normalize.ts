/**
 * nnU-Net's normalisation schemes (default_normalization_schemes.py), in float32 as nnU-Net computes them
 * (numpy float32 arrays with Python-float scalars: scalars are rounded to float32 first).
 */
import type { IntensityProperties } from '../planning/plans';
import { NnsegError } from '../../util/errors';

const f = Math.fround;
const EPS = 1e-8;

function meanStdF64(image: Float32Array, mask?: ArrayLike<number>): { mean: number; std: number; n: number } {
  let s = 0;
  let n = 0;
  for (let i = 0; i < image.length; i++) {
    if (mask && !(mask[i] >= 0)) continue;
    s += image[i];
    n++;
  }
  const mean = n ? s / n : NaN;
  let v = 0;
  for (let i = 0; i < image.length; i++) {
    if (mask && !(mask[i] >= 0)) continue;
    const d = image[i] - mean;
    v += d * d;
  }
  return { mean, std: n ? Math.sqrt(v / n) : NaN, n };
}

/**
 * Normalises one channel in place. `seg` marks the outside of the nonzero mask with -1 (crop_to_nonzero);
 * with useMask, z-score statistics and the change apply only where seg >= 0.
 */
export function normalizeChannel(
  scheme: string,
  image: Float32Array,
  seg: ArrayLike<number>,
  useMask: boolean,
  props: IntensityProperties | undefined,
  file = 'image',
): void {
  switch (scheme) {
    case 'ZScoreNormalization': {
      if (useMask) {
        const { mean, std } = meanStdF64(image, seg);
        const m = f(mean);
        const d = f(Math.max(f(std), EPS));
        for (let i = 0; i < image.length; i++) if (seg[i] >= 0) image[i] = f(f(image[i] - m) / d);
      } else {
        const { mean, std } = meanStdF64(image);
        const m = f(mean);
        const d = f(Math.max(f(std), EPS));
        for (let i = 0; i < image.length; i++) image[i] = f(f(image[i] - m) / d);
      }
      return;
    }
    case 'CTNormalization': {
      if (!props) throw new NnsegError(`${file}: CTNormalization needs the dataset's foreground intensity properties.`, file);
      const lo = f(props.percentile_00_5);
      const hi = f(props.percentile_99_5);
      const m = f(props.mean);
      const d = f(Math.max(props.std, EPS));
      for (let i = 0; i < image.length; i++) {
        let v = image[i];
        if (v < lo) v = lo;
        else if (v > hi) v = hi;
        image[i] = f(f(v - m) / d);
      }
      return;
    }
    case 'NoNormalization':
      return;
    case 'RescaleTo01Normalization': {
      let lo = Infinity;
      for (let i = 0; i < image.length; i++) if (image[i] < lo) lo = image[i];
      let hi = -Infinity;
      for (let i = 0; i < image.length; i++) {
        image[i] = f(image[i] - lo);
        if (image[i] > hi) hi = image[i];
      }
      const d = f(Math.max(hi, EPS));
      for (let i = 0; i < image.length; i++) image[i] = f(image[i] / d);
      return;
    }
    case 'RGBTo01Normalization': {
      for (let i = 0; i < image.length; i++) {
        if (image[i] < 0 || image[i] > 255) {
          throw new NnsegError(`${file}: RGBTo01Normalization expects values in 0..255, found ${image[i]}.`, file);
        }
        image[i] = f(image[i] / 255);
      }
      return;
    }
    default:
      throw new NnsegError(`${file}: unknown normalisation scheme "${scheme}".`, file);
  }
}
