import type { backend_util } from '@tensorflow/tfjs-core';

/**
 * One 3D convolution, NDHWC / DHWIO. Pads are the zero padding before each axis; the padding after
 * follows from the output size. A 2D convolution is the same with D = Do = kd = sd = 1, pd = 0.
 */
export interface ConvGeom {
  N: number; D: number; H: number; W: number; Ci: number; Co: number;
  kd: number; kh: number; kw: number;
  sd: number; sh: number; sw: number;
  pd: number; ph: number; pw: number;
  Do: number; Ho: number; Wo: number;
}

export function geomFrom3DInfo(c: backend_util.Conv3DInfo): ConvGeom {
  return {
    N: c.batchSize, D: c.inDepth, H: c.inHeight, W: c.inWidth, Ci: c.inChannels, Co: c.outChannels,
    kd: c.filterDepth, kh: c.filterHeight, kw: c.filterWidth,
    sd: c.strideDepth, sh: c.strideHeight, sw: c.strideWidth,
    pd: c.padInfo.front, ph: c.padInfo.top, pw: c.padInfo.left,
    Do: c.outDepth, Ho: c.outHeight, Wo: c.outWidth,
  };
}

export function geomFrom2DInfo(c: backend_util.Conv2DInfo): ConvGeom {
  return {
    N: c.batchSize, D: 1, H: c.inHeight, W: c.inWidth, Ci: c.inChannels, Co: c.outChannels,
    kd: 1, kh: c.filterHeight, kw: c.filterWidth,
    sd: 1, sh: c.strideHeight, sw: c.strideWidth,
    pd: 0, ph: c.padInfo.top, pw: c.padInfo.left,
    Do: 1, Ho: c.outHeight, Wo: c.outWidth,
  };
}

/** Symmetric padding p on each axis (PyTorch's rule): out = floor((in + 2p - k) / s) + 1. */
export function geomSymmetric(x: number[], f: number[], strides: number[], pads: number[]): ConvGeom {
  const [N, D, H, W, Ci] = x;
  const [kd, kh, kw, , Co] = f;
  const out = (i: number, k: number, s: number, p: number) => Math.floor((i + 2 * p - k) / s) + 1;
  return {
    N, D, H, W, Ci, Co, kd, kh, kw,
    sd: strides[0], sh: strides[1], sw: strides[2],
    pd: pads[0], ph: pads[1], pw: pads[2],
    Do: out(D, kd, strides[0], pads[0]), Ho: out(H, kh, strides[1], pads[1]), Wo: out(W, kw, strides[2], pads[2]),
  };
}

/** Padding after an axis implied by the output size (negative: trailing input never read). */
export function padAfter(i: number, k: number, s: number, p: number, o: number): number {
  return (o - 1) * s + k - i - p;
}

/** Why these kernels cannot run this geometry, or null when they can. */
export function unsupported(g: ConvGeom, dilations: number[] = [1, 1, 1]): string | null {
  if (dilations.some((d) => d !== 1)) return 'dilation other than 1';
  const axes: [number, number, number, number, number, string][] = [
    [g.D, g.kd, g.sd, g.pd, g.Do, 'depth'], [g.H, g.kh, g.sh, g.ph, g.Ho, 'height'], [g.W, g.kw, g.sw, g.pw, g.Wo, 'width'],
  ];
  for (const [i, k, s, p, o, name] of axes) {
    if (o < 1 || i < 1 || k < 1 || s < 1) return `empty ${name}`;
    if (p < 0 || p >= k) return `padding ${p} on ${name} outside 0..${k - 1}`;
    // The output must be exactly what a zero-padded sliding window gives (no cropping rules).
    const after = Math.max(0, padAfter(i, k, s, p, o));
    if (Math.floor((i + p + after - k) / s) + 1 !== o) return `output ${name} ${o} inconsistent with padding`;
  }
  return null;
}

export function sizeOf(shape: number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
