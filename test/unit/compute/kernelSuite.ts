/**
 * The compute kernel suite, parametrised by compute path: every kernel and fused op the network uses,
 * checked against plain float64 references (reference.ts) and, for gradients, against finite
 * differences of those references, on many small shapes. The wasm path runs it in wasm.test.ts; the
 * native path calls `kernelSuite('native')` from its own test file.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { selectCompute } from '../../../server/src/engine/compute/select';
import { setComputeLog } from '../../../server/src/engine/compute/log';
import { concatChannels, convNormAct, diceCELoss, splitChannels, sumToChannels, upConv } from '../../../server/src/engine/compute/ops';
import * as ref from './reference';

/** Gradient and kernel agreement bound: max abs error / max abs value. */
export const TOL = 1e-4;

export interface ConvCase { x: number[]; f: number[]; strides: number[]; pad: 'same' | 'valid' }

/** Odd and even sizes, stride 1 and 2, kernels 1 and 3, anisotropic kernels, 1 and many channels, batch 1 and 2. */
export const conv3dCases: ConvCase[] = [
  { x: [1, 5, 6, 7, 1], f: [3, 3, 3, 1, 3], strides: [1, 1, 1], pad: 'same' },
  { x: [2, 5, 5, 5, 3], f: [3, 3, 3, 3, 2], strides: [1, 1, 1], pad: 'valid' },
  { x: [2, 6, 6, 6, 2], f: [3, 3, 3, 2, 4], strides: [2, 2, 2], pad: 'same' },
  { x: [1, 7, 5, 6, 3], f: [3, 3, 3, 3, 2], strides: [2, 2, 2], pad: 'same' },
  { x: [1, 7, 5, 6, 1], f: [3, 3, 3, 1, 2], strides: [2, 2, 2], pad: 'valid' },
  { x: [1, 4, 6, 6, 2], f: [1, 3, 3, 2, 3], strides: [1, 2, 2], pad: 'same' },
  { x: [2, 5, 6, 4, 2], f: [3, 3, 1, 2, 2], strides: [1, 1, 1], pad: 'same' },
  { x: [1, 4, 5, 4, 17], f: [3, 3, 3, 17, 9], strides: [1, 1, 1], pad: 'same' },
  { x: [2, 3, 4, 5, 4], f: [1, 1, 1, 4, 3], strides: [1, 1, 1], pad: 'valid' },
  // more than 1024 output pixels per slice: the wasm filter gradient splits into row bands
  { x: [1, 2, 40, 40, 2], f: [3, 3, 3, 2, 4], strides: [1, 1, 1], pad: 'same' },
  { x: [1, 3, 66, 66, 1], f: [3, 3, 3, 1, 2], strides: [2, 2, 2], pad: 'same' },
  // k1 s2 'same' on even sizes: tfjs computes a negative pad; the path must fall back, still correct.
  { x: [1, 4, 4, 4, 2], f: [1, 1, 1, 2, 3], strides: [2, 2, 2], pad: 'same' },
];

export const conv2dCases: ConvCase[] = [
  { x: [2, 7, 6, 1, 3], f: [1, 3, 3, 3, 2], strides: [1, 1, 1], pad: 'same' },
  { x: [1, 1, 8, 8, 2], f: [1, 3, 3, 2, 4], strides: [1, 2, 2], pad: 'same' },
  { x: [2, 1, 7, 9, 3], f: [1, 3, 3, 3, 3], strides: [1, 2, 2], pad: 'valid' },
];

function t(values: Float32Array, shape: number[]): Tensor {
  return tf.tensor(values, shape, 'float32');
}

function values(x: Tensor): Float32Array {
  return x.dataSync() as Float32Array;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** A few indices spread over an input (all when small). */
function sample(n: number, k = 24): number[] {
  if (n <= k) return [...Array(n).keys()];
  return Array.from({ length: k }, (_, i) => Math.floor(((i + 0.5) * n) / k));
}

/** Checks analytic gradients against finite differences of the float64 reference at sampled indices. */
function assertGradFD(name: string, grad: Float32Array, f: (x: Float64Array) => number, x: ArrayLike<number>): void {
  let scale = 0;
  for (const g of grad) scale = Math.max(scale, Math.abs(g));
  const fd = ref.finiteDiff(f, x, sample(x.length));
  for (const [i, v] of fd) {
    const err = Math.abs(grad[i] - v) / Math.max(scale, 1e-12);
    assert.ok(err <= TOL, `${name}[${i}]: analytic ${grad[i]} vs finite difference ${v} (rel ${err.toExponential(2)})`);
  }
}

interface ConvInputs { xv: Float32Array; fv: Float32Array; dyv: Float32Array; yShape: number[] }

function convInputs(c: ConvCase, seed: number): ConvInputs {
  const g = ref.convGeometry(c.x, c.f, c.strides, c.pad);
  const yShape = [c.x[0], ...g.out, c.f[4]];
  return { xv: ref.rand(size(c.x), seed), fv: ref.rand(size(c.f), seed + 1), dyv: ref.rand(size(yShape), seed + 2), yShape };
}

/** Forward, backward-data and backward-filter of one case on the active backend. */
function convOutputs(c: ConvCase, i: ConvInputs): { y: Float32Array; dx: Float32Array; df: Float32Array } {
  return tf.tidy(() => {
    const is2d = c.x[1] === 1 && c.f[0] === 1 && c.strides[0] === 1;
    const x = t(i.xv, c.x), f = t(i.fv, c.f), dy = t(i.dyv, i.yShape);
    let y: Tensor, gx: Tensor, gf: Tensor;
    if (is2d) {
      const x4 = tf.squeeze(x, [1]) as tf.Tensor4D, f4 = tf.squeeze(f, [0]) as tf.Tensor4D, dy4 = tf.squeeze(dy, [1]) as tf.Tensor4D;
      const s = c.strides.slice(1) as [number, number];
      y = tf.conv2d(x4, f4, s, c.pad);
      gx = tf.conv2dTranspose(dy4, f4, x4.shape, s, c.pad);
      gf = tf.engine().runKernel('Conv2DBackpropFilter', { x: x4, dy: dy4 }, { strides: s, pad: c.pad, dataFormat: 'NHWC', filterShape: f4.shape }) as Tensor;
    } else {
      y = tf.conv3d(x as tf.Tensor5D, f as tf.Tensor5D, c.strides as [number, number, number], c.pad);
      gx = tf.engine().runKernel('Conv3DBackpropInputV2', { dy, filter: f }, { pad: c.pad, strides: c.strides, inputShape: c.x }) as Tensor;
      gf = tf.engine().runKernel('Conv3DBackpropFilterV2', { x, dy }, { pad: c.pad, strides: c.strides, filterShape: c.f }) as Tensor;
    }
    return { y: values(y).slice(), dx: values(gx).slice(), df: values(gf).slice() };
  });
}

export function checkConv(c: ConvCase, seed = 1): { fwd: number; dx: number; df: number } {
  const g = ref.convGeometry(c.x, c.f, c.strides, c.pad);
  const i = convInputs(c, seed);
  const yRef = ref.conv3d(g, i.xv, i.fv);
  const { dx, df } = ref.conv3dGrads(g, i.xv, i.fv, i.dyv);
  const o = convOutputs(c, i);
  return { fwd: ref.relErr(o.y, yRef), dx: ref.relErr(o.dx, dx), df: ref.relErr(o.df, df) };
}

/** The path's conv gradients against finite differences of sum(conv(x, f) * dy), at sampled entries. */
function checkConvFD(c: ConvCase, seed = 1): void {
  const g = ref.convGeometry(c.x, c.f, c.strides, c.pad);
  const i = convInputs(c, seed);
  const o = convOutputs(c, i);
  assertGradFD('backward-data', o.dx, (x) => ref.dot(ref.conv3d(g, x, i.fv), i.dyv), i.xv);
  assertGradFD('backward-filter', o.df, (f) => ref.dot(ref.conv3d(g, i.xv, f), i.dyv), i.fv);
}

/** The same kernels on tfjs's own cpu backend (its reference kernels), then back to `path`'s backend. */
async function checkConvAgainstCpuBackend(c: ConvCase, backend: string, seed = 1): Promise<void> {
  const i = convInputs(c, seed);
  const ours = convOutputs(c, i);
  await tf.setBackend('cpu');
  let cpu: typeof ours;
  try {
    cpu = convOutputs(c, i);
  } finally {
    await tf.setBackend(backend);
  }
  for (const k of ['y', 'dx', 'df'] as const) {
    const e = ref.relErr(ours[k], cpu[k]);
    assert.ok(e <= TOL, `${k}: rel err ${e} against the tfjs cpu backend's kernel`);
  }
}

export function kernelSuite(path: 'wasm' | 'native' | 'cpu', skip: string | false = false): void {
  before(async () => {
    if (skip) return;
    setComputeLog(() => {});
    await selectCompute({ path, log: false });
  });

  for (const c of [...conv3dCases, ...conv2dCases]) {
    const name = `${path}: conv ${c.x.join('x')} filter ${c.f.join('x')} stride ${c.strides.join('')} ${c.pad}: forward, backward-data, backward-filter match the reference`;
    test(name, { skip }, () => {
      const e = checkConv(c);
      assert.ok(e.fwd <= TOL, `forward rel err ${e.fwd}`);
      assert.ok(e.dx <= TOL, `backward-data rel err ${e.dx}`);
      assert.ok(e.df <= TOL, `backward-filter rel err ${e.df}`);
    });
    test(`${path}: conv ${c.x.join('x')} filter ${c.f.join('x')} stride ${c.strides.join('')} ${c.pad}: gradients match finite differences`, { skip }, () => checkConvFD(c));
    // The native path replaces the cpu backend's own kernels; its tests compare with the originals.
    if (path === 'wasm') {
      test(`${path}: conv ${c.x.join('x')} filter ${c.f.join('x')} stride ${c.strides.join('')} ${c.pad}: equals the tfjs cpu backend's kernels`, { skip }, () => checkConvAgainstCpuBackend(c, 'wasm'));
    }
  }

  const blocks: { x: number[]; f: number[]; strides: number[]; pads: number[] | 'same' }[] = [
    { x: [2, 4, 4, 4, 2], f: [3, 3, 3, 2, 3], strides: [1, 1, 1], pads: [1, 1, 1] },
    { x: [2, 6, 6, 6, 2], f: [3, 3, 3, 2, 3], strides: [2, 2, 2], pads: [1, 1, 1] },
    { x: [1, 5, 6, 7, 1], f: [3, 3, 3, 1, 2], strides: [2, 2, 2], pads: [1, 1, 1] },
    { x: [1, 3, 6, 6, 2], f: [1, 3, 3, 2, 2], strides: [1, 2, 2], pads: [0, 1, 1] },
    { x: [2, 1, 7, 6, 3], f: [1, 3, 3, 3, 2], strides: [1, 1, 1], pads: [0, 1, 1] },
    // channel counts divisible by 4 take the SIMD loops on wasm
    { x: [2, 5, 4, 6, 4], f: [3, 3, 3, 4, 8], strides: [1, 1, 1], pads: [1, 1, 1] },
    { x: [1, 6, 6, 4, 3], f: [3, 3, 3, 3, 4], strides: [2, 2, 2], pads: [1, 1, 1] },
    // no pads: tfjs 'same' (differs from the symmetric rule for stride 2 on even sizes)
    { x: [2, 6, 4, 6, 2], f: [3, 3, 3, 2, 3], strides: [2, 2, 2], pads: 'same' },
  ];
  for (const b of blocks) {
    test(`${path}: conv-norm-act ${b.x.join('x')} filter ${b.f.join('x')} stride ${b.strides.join('')}: value and all five gradients`, { skip }, () => {
      const g = ref.convGeometry(b.x, b.f, b.strides, b.pads);
      const Co = b.f[4];
      const xv = ref.rand(size(b.x), 3), fv = ref.rand(size(b.f), 4), bv = ref.rand(Co, 5);
      const gv = Float32Array.from(ref.rand(Co, 6), (v) => 1 + 0.5 * v), bev = ref.rand(Co, 7);
      const yShape = [b.x[0], ...g.out, Co];
      const rv = ref.rand(size(yShape), 8);
      const is2d = b.x[1] === 1;
      const res = tf.tidy(() => {
        const args = [t(xv, b.x), t(fv, b.f), t(bv, [Co]), t(gv, [Co]), t(bev, [Co])];
        const pads = b.pads === 'same' ? undefined : b.pads;
        const run = (x: Tensor, f: Tensor, bb: Tensor, gg: Tensor, be: Tensor) => {
          const o = is2d
            ? tf.expandDims(convNormAct(tf.squeeze(x, [1]), tf.squeeze(f, [0]), bb, gg, be, { strides: b.strides.slice(1), pads: pads?.slice(1) }), 1)
            : convNormAct(x, f, bb, gg, be, { strides: b.strides, pads });
          return o;
        };
        const y = run(args[0], args[1], args[2], args[3], args[4]);
        const grads = tf.grads((x, f, bb, gg, be) => tf.sum(tf.mul(run(x, f, bb, gg, be), t(rv, yShape))))(args);
        return { y: values(y), grads: grads.map(values) };
      });
      const yRef = ref.convNormAct(g, xv, fv, bv, gv, bev);
      assert.ok(ref.relErr(res.y, yRef) <= TOL, `value rel err ${ref.relErr(res.y, yRef)}`);
      const L = (x: ArrayLike<number>, f: ArrayLike<number>, bb: ArrayLike<number>, gg: ArrayLike<number>, be: ArrayLike<number>) => ref.dot(ref.convNormAct(g, x, f, bb, gg, be), rv);
      assertGradFD('dx', res.grads[0], (v) => L(v, fv, bv, gv, bev), xv);
      assertGradFD('dfilter', res.grads[1], (v) => L(xv, v, bv, gv, bev), fv);
      // The bias before an instance norm has no effect: its gradient must be ~0.
      assert.ok(Math.max(...res.grads[2].map(Math.abs)) <= TOL * Math.max(...res.grads[1].map(Math.abs)), `dbias ${res.grads[2]}`);
      assertGradFD('dgamma', res.grads[3], (v) => L(xv, fv, bv, v, bev), gv);
      assertGradFD('dbeta', res.grads[4], (v) => L(xv, fv, bv, gv, v), bev);
    });
  }

  const ups: { x: number[]; strides: number[]; Co: number }[] = [
    { x: [2, 3, 4, 5, 4], strides: [2, 2, 2], Co: 3 },
    { x: [1, 3, 3, 4, 5], strides: [1, 2, 2], Co: 2 },
    { x: [2, 1, 4, 3, 3], strides: [1, 2, 2], Co: 2 },
  ];
  for (const u of ups) {
    test(`${path}: transposed conv ${u.x.join('x')} stride ${u.strides.join('')}: value and gradients`, { skip }, () => {
      const fShape = [...u.strides, u.Co, u.x[4]];
      const xv = ref.rand(size(u.x), 11), fv = ref.rand(size(fShape), 12), bv = ref.rand(u.Co, 13);
      const yShape = [u.x[0], u.x[1] * u.strides[0], u.x[2] * u.strides[1], u.x[3] * u.strides[2], u.Co];
      const rv = ref.rand(size(yShape), 14);
      const is2d = u.x[1] === 1 && u.strides[0] === 1;
      const run = (x: Tensor, f: Tensor, bb: Tensor) =>
        is2d ? tf.expandDims(upConv(tf.squeeze(x, [1]), tf.squeeze(f, [0]), bb, u.strides.slice(1)), 1) : upConv(x, f, bb, u.strides);
      const res = tf.tidy(() => {
        const args = [t(xv, u.x), t(fv, fShape), t(bv, [u.Co])];
        const y = run(args[0], args[1], args[2]);
        const grads = tf.grads((x, f, bb) => tf.sum(tf.mul(run(x, f, bb), t(rv, yShape))))(args);
        return { y: values(y), grads: grads.map(values) };
      });
      const yRef = ref.upConv(u.x, u.strides, u.Co, xv, fv, bv);
      assert.ok(ref.relErr(res.y, yRef) <= TOL);
      const L = (x: ArrayLike<number>, f: ArrayLike<number>, bb: ArrayLike<number>) => ref.dot(ref.upConv(u.x, u.strides, u.Co, x, f, bb), rv);
      assertGradFD('dx', res.grads[0], (v) => L(v, fv, bv), xv);
      assertGradFD('dfilter', res.grads[1], (v) => L(xv, v, bv), fv);
      assertGradFD('dbias', res.grads[2], (v) => L(xv, fv, v), bv);
    });
  }

  for (const [doBg, batchDice] of [[false, false], [true, true]]) {
    test(`${path}: softmax + Dice + CE loss (doBg ${doBg}, batchDice ${batchDice}): value and gradient`, { skip }, () => {
      const [N, D, H, W, K] = [2, 3, 4, 5, 3];
      const lv = Float32Array.from(ref.rand(N * D * H * W * K, 21), (v) => 3 * v);
      const labels = Int32Array.from(ref.rand(N * D * H * W, 22), (v) => Math.min(K - 1, Math.floor((v + 1) * 1.5)));
      const res = tf.tidy(() => {
        const logits = t(lv, [N, D, H, W, K]);
        const target = tf.tensor(labels, [N, D, H, W], 'int32');
        const f = (l: Tensor) => diceCELoss(l, target, { weightDice: 1.5, weightCE: 0.5, doBg, batchDice });
        return { v: f(logits).dataSync()[0], g: values(tf.grad(f)(logits)) };
      });
      const V = D * H * W;
      const L = (l: ArrayLike<number>) => ref.diceCE(N, V, K, l, labels, 1.5, 0.5, doBg, batchDice);
      assert.ok(Math.abs(res.v - L(lv)) <= TOL * Math.abs(L(lv)), `loss ${res.v} vs ${L(lv)}`);
      assertGradFD('dlogits', res.g, L, lv);
    });
  }

  test(`${path}: channel concat, split and sum-to-channels`, { skip }, () => {
    tf.tidy(() => {
      const a = t(ref.rand(2 * 3 * 4 * 5 * 3, 31), [2, 3, 4, 5, 3]), b = t(ref.rand(2 * 3 * 4 * 5 * 2, 32), [2, 3, 4, 5, 2]);
      assert.deepEqual(Array.from(values(concatChannels(a, b))), Array.from(values(tf.concat([a, b], -1))));
      const [p, q] = splitChannels(tf.concat([a, b], -1), 3);
      assert.deepEqual(Array.from(values(p)), Array.from(values(a)));
      assert.deepEqual(Array.from(values(q)), Array.from(values(b)));
      assert.ok(ref.relErr(values(sumToChannels(a)), values(tf.sum(a, [0, 1, 2, 3]))) <= 1e-6);
      const g = tf.grads((x, y) => tf.sum(tf.mul(concatChannels(x, y), tf.range(0, 5))))([a, b]);
      assert.deepEqual(Array.from(values(g[1])).slice(0, 2), [3, 4]);
      // channel counts divisible by 4 (the SIMD copies on wasm)
      const c = t(ref.rand(2 * 3 * 4 * 5 * 4, 33), [2, 3, 4, 5, 4]), d = t(ref.rand(2 * 3 * 4 * 5 * 8, 34), [2, 3, 4, 5, 8]);
      assert.deepEqual(Array.from(values(concatChannels(c, d))), Array.from(values(tf.concat([c, d], -1))));
      const [u, w] = splitChannels(tf.concat([c, d], -1), 4);
      assert.deepEqual(Array.from(values(u)), Array.from(values(c)));
      assert.deepEqual(Array.from(values(w)), Array.from(values(d)));
    });
  });

  test(`${path}: a forward + backward pass leaves no tensors behind`, { skip }, () => {
    const x = t(ref.rand(2 * 4 * 4 * 4 * 2, 41), [2, 4, 4, 4, 2]);
    const ws = [t(ref.rand(54 * 3, 42), [3, 3, 3, 2, 3]), tf.zeros([3]), tf.ones([3]), tf.zeros([3])];
    const step = () => tf.tidy(() => tf.grads((f, b, g, be) => tf.sum(convNormAct(x, f, b, g, be, { strides: [1, 1, 1], pads: [1, 1, 1] })))(ws));
    tf.dispose(step());
    const before = tf.memory().numTensors;
    tf.dispose(step());
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, ...ws]);
  });
}
