// The oneDNN replacements of tfjs's conv kernels against the cpu backend's original kernels and the
// adjoint identity <conv(x), dy> = <x, bwdData(dy)> = <w, bwdWeights(x, dy)>, over many shapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dot, native, rand, relErr, run, runReference, setup, skipNoNative, values, warnings } from './helpers';

setup();

interface Case {
  x: number[];
  k: number[];
  co: number;
  s: number | number[];
  pad?: 'same' | 'valid';
  dilations?: number | number[];
}

const cases3d: Case[] = [
  { x: [1, 5, 6, 7, 1], k: [3, 3, 3], co: 4, s: 1 },
  { x: [2, 9, 8, 7, 3], k: [3, 3, 3], co: 5, s: [2, 1, 2] },
  { x: [2, 8, 8, 8, 16], k: [3, 3, 3], co: 32, s: 2 },
  { x: [1, 7, 9, 5, 2], k: [1, 3, 3], co: 3, s: [1, 2, 2] },
  { x: [2, 6, 6, 6, 8], k: [1, 1, 1], co: 2, s: 1 },
  { x: [1, 7, 7, 7, 4], k: [1, 1, 1], co: 3, s: 2 },
  { x: [1, 4, 4, 4, 64], k: [3, 3, 3], co: 64, s: 1 },
  { x: [1, 7, 6, 7, 2], k: [3, 3, 3], co: 3, s: 2, pad: 'valid' },
  { x: [2, 3, 5, 4, 3], k: [3, 1, 3], co: 1, s: [1, 1, 2] },
  // One input channel, stride 1: the GEMM + shifted-add backward-data.
  { x: [2, 6, 7, 9, 1], k: [3, 3, 3], co: 16, s: 1 },
  { x: [1, 4, 6, 5, 1], k: [1, 3, 3], co: 3, s: 1 },
  { x: [1, 6, 5, 7, 1], k: [3, 3, 3], co: 2, s: 1, pad: 'valid' },
  // Unclamped negative 'same' pad (k1 s2 on even sizes) and dilation: oneDNN cannot take these; the
  // kernels must fall back to the cpu backend's and still be right.
  { x: [1, 8, 8, 8, 4], k: [1, 1, 1], co: 3, s: 2 },
  { x: [1, 7, 7, 7, 2], k: [3, 3, 3], co: 2, s: 1, dilations: 2 },
];

const cases2d: Case[] = [
  { x: [2, 9, 7, 3], k: [3, 3], co: 4, s: 1 },
  { x: [2, 9, 7, 1], k: [3, 3], co: 4, s: 1 },
  { x: [1, 10, 8, 5], k: [3, 3], co: 6, s: 2 },
  { x: [2, 7, 9, 2], k: [1, 3], co: 3, s: [1, 2] },
  { x: [1, 6, 6, 16], k: [1, 1], co: 2, s: 1 },
  { x: [1, 8, 8, 4], k: [1, 1], co: 3, s: 2 },
  { x: [1, 9, 9, 2], k: [3, 3], co: 2, s: 2, pad: 'valid' },
];

const TOL = 2e-5;

function check(nsp: 2 | 3, c: Case, seed: number) {
  const ci = c.x[c.x.length - 1];
  const x = rand(c.x, seed), w = rand([...c.k, ci, c.co], seed + 1);
  const names = nsp === 3 ? ['Conv3D', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'] : ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];
  const attrs = { strides: c.s, pad: c.pad ?? 'same', dilations: c.dilations ?? 1, dataFormat: nsp === 3 ? 'NDHWC' : 'NHWC' };
  const y = run(names[0], { x, filter: w }, attrs) as import('@tensorflow/tfjs-core').Tensor;
  const yRef = runReference(names[0], { x, filter: w }, attrs);
  assert.deepEqual(y.shape, yRef.shape);
  assert.ok(relErr(values(y), values(yRef)) < TOL, `forward ${JSON.stringify(c)}: ${relErr(values(y), values(yRef))}`);
  if (c.dilations) return; // tfjs has no conv gradients with dilation
  const dy = rand(y.shape, seed + 2);
  const dx = run(names[1], { dy, filter: w }, { ...attrs, inputShape: x.shape }) as import('@tensorflow/tfjs-core').Tensor;
  const dxRef = runReference(names[1], { dy, filter: w }, { ...attrs, inputShape: x.shape });
  assert.ok(relErr(values(dx), values(dxRef)) < TOL, `backward-data ${JSON.stringify(c)}: ${relErr(values(dx), values(dxRef))}`);
  const dw = run(names[2], { x, dy }, { ...attrs, filterShape: w.shape }) as import('@tensorflow/tfjs-core').Tensor;
  const dwRef = runReference(names[2], { x, dy }, { ...attrs, filterShape: w.shape });
  assert.ok(relErr(values(dw), values(dwRef)) < TOL, `backward-weights ${JSON.stringify(c)}: ${relErr(values(dw), values(dwRef))}`);
  // Adjoint identities: independent of the reference kernels.
  const a = dot(values(y), values(dy)), b = dot(values(x), values(dx)), d = dot(values(w), values(dw));
  const scale = Math.max(1, Math.abs(a));
  assert.ok(Math.abs(a - b) / scale < 1e-4 && Math.abs(a - d) / scale < 1e-4, `adjoint ${JSON.stringify(c)}: ${a} ${b} ${d}`);
}

test('3D conv kernels match tfjs reference kernels', { skip: skipNoNative }, () => {
  cases3d.forEach((c, i) => check(3, c, 100 + 10 * i));
});

test('2D conv kernels match tfjs reference kernels', { skip: skipNoNative }, () => {
  cases2d.forEach((c, i) => check(2, c, 500 + 10 * i));
});

test('shapes oneDNN rejects fall back, warning once', { skip: skipNoNative }, () => {
  check(3, { x: [1, 6, 6, 6, 2], k: [1, 1, 1], co: 2, s: 2 }, 900);
  assert.ok(warnings.some((w) => /Conv3D: negative padding/.test(w)), warnings.join(' | '));
  const count = warnings.length;
  for (let i = 0; i < 3; i++) check(3, { x: [1, 6, 6, 6, 2], k: [1, 1, 1], co: 2, s: 2 }, 900 + i);
  assert.equal(warnings.length, count);
});

test('the native conv kernel is the one tfjs runs', { skip: skipNoNative }, () => {
  let calls = 0;
  const addon = native.addon!;
  const orig = addon.convForward;
  addon.convForward = (...a: Parameters<typeof orig>) => {
    calls++;
    return orig(...a);
  };
  try {
    run('Conv3D', { x: rand([1, 4, 4, 4, 2], 1), filter: rand([3, 3, 3, 2, 2], 2) }, { strides: 1, pad: 'same', dilations: 1 });
  } finally {
    addon.convForward = orig;
  }
  assert.equal(calls, 1);
});
