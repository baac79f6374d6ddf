/**
 * The Int32Array shape spec the addon's conv calls take, built from tfjs's own conv info so padding
 * and output sizes follow tfjs exactly: [nsp, N, Ci, Co, in x3, k x3, out x3, stride x3, padBegin x3,
 * padEnd x3]. Returns a reason string instead when oneDNN cannot express the shape (dilation, a
 * negative pad from tfjs's unclamped 3D 'same' rule for kernel 1 stride 2 on even sizes, NCHW).
 */
import type { backend_util } from '@tensorflow/tfjs-core';

type Conv3DInfo = backend_util.Conv3DInfo;
type Conv2DInfo = backend_util.Conv2DInfo;

export interface ConvDims {
  nsp: 2 | 3;
  N: number;
  Ci: number;
  Co: number;
  inS: number[];
  k: number[];
  outS: number[];
  s: number[];
  pl: number[];
  pr: number[];
}

export function dimsFrom3D(i: Conv3DInfo): ConvDims | string {
  if (i.dilationDepth !== 1 || i.dilationHeight !== 1 || i.dilationWidth !== 1) return 'dilated convolution';
  const p = i.padInfo;
  return checkedDims({
    nsp: 3, N: i.batchSize, Ci: i.inChannels, Co: i.outChannels,
    inS: [i.inDepth, i.inHeight, i.inWidth],
    k: [i.filterDepth, i.filterHeight, i.filterWidth],
    outS: [i.outDepth, i.outHeight, i.outWidth],
    s: [i.strideDepth, i.strideHeight, i.strideWidth],
    pl: [p.front, p.top, p.left],
    pr: [p.back, p.bottom, p.right],
  });
}

export function dimsFrom2D(i: Conv2DInfo): ConvDims | string {
  if (i.dataFormat !== 'channelsLast') return 'NCHW data format';
  if (i.dilationHeight !== 1 || i.dilationWidth !== 1) return 'dilated convolution';
  const p = i.padInfo;
  return checkedDims({
    nsp: 2, N: i.batchSize, Ci: i.inChannels, Co: i.outChannels,
    inS: [i.inHeight, i.inWidth],
    k: [i.filterHeight, i.filterWidth],
    outS: [i.outHeight, i.outWidth],
    s: [i.strideHeight, i.strideWidth],
    pl: [p.top, p.left],
    pr: [p.bottom, p.right],
  });
}

export function checkedDims(d: ConvDims): ConvDims | string {
  for (let a = 0; a < d.nsp; a++) {
    if (d.pl[a] < 0 || d.pr[a] < 0) return `negative padding (${d.pl[a]}, ${d.pr[a]}) from tfjs's 'same' rule`;
    const span = d.inS[a] + d.pl[a] + d.pr[a] - d.k[a];
    if (span < 0 || Math.floor(span / d.s[a]) + 1 !== d.outS[a]) return 'output size inconsistent with oneDNN padding';
  }
  return d;
}

export function specOf(d: ConvDims): Int32Array {
  const t = (v: number[]) => [v[0] ?? 1, v[1] ?? 1, v[2] ?? 1];
  return Int32Array.from([d.nsp, d.N, d.Ci, d.Co, ...t(d.inS), ...t(d.k), ...t(d.outS), ...t(d.s), ...t(d.pl), ...t(d.pr)]);
}

export const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
