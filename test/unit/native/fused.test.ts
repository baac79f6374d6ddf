// The custom kernels (kernelNames.ts) on the native path: the fused conv + bias + instance norm +
// leaky ReLU block and the k=s transposed conv, each with its backward, against float64 references
// built on tfjs's reference conv kernels, and against finite differences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONV_NORM_ACT, CONV_NORM_ACT_GRAD, UP_CONV, UP_CONV_GRAD } from '../../../server/src/engine/compute/kernelNames';
import { dot, native, rand, relErr, run, runReference, setup, skipNoNative, tf, values, warnings } from './helpers';

setup();
type Tensor = import('@tensorflow/tfjs-core').Tensor;

const EPS = 1e-5, SLOPE = 0.01;

/** out, mean, invStd of the norm + activation in float64 from a conv output [N, ..., C]. */
function normActRef(conv: Float32Array, shape: number[], gamma: Float32Array, beta: Float32Array) {
  const N = shape[0], C = shape[shape.length - 1], S = conv.length / (N * C);
  const mean = new Float64Array(N * C), inv = new Float64Array(N * C), out = new Float64Array(conv.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    let s = 0;
    for (let i = 0; i < S; i++) s += conv[(n * S + i) * C + c];
    const m = s / S;
    let q = 0;
    for (let i = 0; i < S; i++) q += (conv[(n * S + i) * C + c] - m) ** 2;
    const is = 1 / Math.sqrt(q / S + EPS);
    mean[n * C + c] = m;
    inv[n * C + c] = is;
    for (let i = 0; i < S; i++) {
      const z = gamma[c] * (conv[(n * S + i) * C + c] - m) * is + beta[c];
      out[(n * S + i) * C + c] = z > 0 ? z : SLOPE * z;
    }
  }
  return { out, mean, inv, N, C, S };
}

/** dconv, dgamma, dbeta in float64. */
function normActGradRef(dy: Float32Array, conv: Float32Array, shape: number[], gamma: Float32Array, beta: Float32Array) {
  const { mean, inv, N, C, S } = normActRef(conv, shape, gamma, beta);
  const dconv = new Float64Array(conv.length), dgamma = new Float64Array(C), dbeta = new Float64Array(C);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const m = mean[n * C + c], is = inv[n * C + c];
    let s1 = 0, s2 = 0;
    const dz = new Float64Array(S), xh = new Float64Array(S);
    for (let i = 0; i < S; i++) {
      const j = (n * S + i) * C + c;
      xh[i] = (conv[j] - m) * is;
      const z = gamma[c] * xh[i] + beta[c];
      dz[i] = z > 0 ? dy[j] : SLOPE * dy[j];
      s1 += dz[i];
      s2 += dz[i] * xh[i];
    }
    dbeta[c] += s1;
    dgamma[c] += s2;
    for (let i = 0; i < S; i++) dconv[(n * S + i) * C + c] = gamma[c] * is * (dz[i] - s1 / S - xh[i] * s2 / S);
  }
  return { dconv, dgamma, dbeta };
}

interface FusedCase {
  x: number[];
  k: number[];
  co: number;
  s: number | number[];
  /** symmetric per-axis padding (PyTorch's rule) instead of tfjs 'same' */
  pads?: number[];
}
const fused3d: FusedCase[] = [
  { x: [1, 5, 6, 7, 1], k: [3, 3, 3], co: 4, s: 1 },
  { x: [2, 8, 7, 6, 3], k: [3, 3, 3], co: 6, s: 2 },
  { x: [2, 4, 6, 6, 16], k: [1, 3, 3], co: 16, s: [1, 2, 2] },
  { x: [1, 5, 5, 5, 8], k: [1, 1, 1], co: 3, s: 1 },
  { x: [2, 8, 6, 7, 2], k: [3, 3, 3], co: 4, s: 2, pads: [1, 1, 1] },
  { x: [1, 4, 8, 6, 3], k: [1, 3, 3], co: 5, s: [1, 2, 2], pads: [0, 1, 1] },
  { x: [2, 1, 6, 7, 3], k: [1, 3, 3], co: 4, s: 1, pads: [0, 1, 1] },
];
const fused2d: FusedCase[] = [
  { x: [2, 9, 8, 3], k: [3, 3], co: 5, s: 1 },
  { x: [1, 10, 7, 4], k: [3, 3], co: 8, s: 2 },
  { x: [2, 10, 8, 3], k: [3, 3], co: 4, s: 2, pads: [1, 1] },
];

function fusedInputs(c: FusedCase, seed: number) {
  const ci = c.x[c.x.length - 1];
  return {
    x: rand(c.x, seed),
    filter: rand([...c.k, ci, c.co], seed + 1),
    bias: rand([c.co], seed + 2),
    gamma: tf.add(rand([c.co], seed + 3), 1.5) as Tensor,
    beta: rand([c.co], seed + 4),
  };
}

function checkFused(c: FusedCase, seed: number) {
  const nsp = c.x.length - 2;
  const sfx = nsp === 3 ? '' : '2D';
  const names = nsp === 3 ? ['Conv3D', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'] : ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];
  const inp = fusedInputs(c, seed);
  const attrs = { strides: c.s, eps: EPS, slope: SLOPE, pads: c.pads };
  const [out, conv, mean, invStd] = run(CONV_NORM_ACT + sfx, inp, attrs) as Tensor[];
  const cAttrs = { strides: c.s, pad: c.pads ? 'valid' : 'same', dilations: 1, dataFormat: nsp === 3 ? 'NDHWC' : 'NHWC' };
  const padSpec = [[0, 0], ...(c.pads ?? []).map((p) => [p, p]), [0, 0]] as [number, number][];
  const xRef = c.pads ? tf.pad(inp.x, padSpec) : inp.x;
  const convRef = values(tf.add(runReference(names[0], { x: xRef, filter: inp.filter }, cAttrs), inp.bias));
  assert.ok(relErr(values(conv), convRef) < 2e-5, `conv ${JSON.stringify(c)}`);
  const g = values(inp.gamma), b = values(inp.beta);
  const ref = normActRef(values(conv), conv.shape, g, b);
  assert.deepEqual(mean.shape, [c.x[0], c.co]);
  assert.ok(relErr(values(mean), ref.mean) < 1e-5, `mean ${JSON.stringify(c)}`);
  assert.ok(relErr(values(invStd), ref.inv) < 1e-5, `invStd ${JSON.stringify(c)}`);
  assert.ok(relErr(values(out), ref.out) < 1e-5, `out ${JSON.stringify(c)}: ${relErr(values(out), ref.out)}`);

  const dy = rand(out.shape, seed + 7);
  const [dx, dfilter, dbias, dgamma, dbeta] = run(CONV_NORM_ACT_GRAD + sfx, { dy, x: inp.x, filter: inp.filter, conv, mean, invStd, gamma: inp.gamma, beta: inp.beta }, attrs) as Tensor[];
  const gr = normActGradRef(values(dy), values(conv), conv.shape, g, b);
  assert.ok(relErr(values(dgamma), gr.dgamma) < 1e-4, `dgamma ${JSON.stringify(c)}: ${relErr(values(dgamma), gr.dgamma)}`);
  assert.ok(relErr(values(dbeta), gr.dbeta) < 1e-4, `dbeta ${JSON.stringify(c)}`);
  const dconv = tf.tensor(Float32Array.from(gr.dconv), conv.shape);
  const dxPadded = runReference(names[1], { dy: dconv, filter: inp.filter }, { ...cAttrs, inputShape: xRef.shape });
  const dxRef = c.pads ? tf.slice(dxPadded, padSpec.map((p) => p[0]), inp.x.shape) : dxPadded;
  const dwRef = runReference(names[2], { x: xRef, dy: dconv }, { ...cAttrs, filterShape: inp.filter.shape });
  assert.ok(relErr(values(dx), values(dxRef)) < 1e-4, `dx ${JSON.stringify(c)}: ${relErr(values(dx), values(dxRef))}`);
  assert.ok(relErr(values(dfilter), values(dwRef)) < 1e-4, `dfilter ${JSON.stringify(c)}: ${relErr(values(dfilter), values(dwRef))}`);
  // The bias gradient of a conv followed by instance norm is zero up to rounding.
  const absSum = gr.dconv.reduce((a, v) => a + Math.abs(v), 0) / c.co;
  assert.ok(Math.max(...values(dbias).map(Math.abs)) <= 1e-4 * absSum + 1e-6, `dbias ${JSON.stringify(c)}: ${values(dbias)}`);
}

test('fused conv + norm + act (3D) forward and backward match float64 references', { skip: skipNoNative }, () => {
  fused3d.forEach((c, i) => checkFused(c, 1000 + 20 * i));
});

test('fused block falls back to the cpu kernels (explicitly padded) when oneDNN throws', { skip: skipNoNative }, () => {
  const addon = native.addon!;
  const saved = { f: addon.convForward, d: addon.convBackwardData, w: addon.convBackwardWeights };
  const cases: FusedCase[] = [
    { x: [2, 6, 5, 7, 3], k: [3, 3, 3], co: 5, s: 2, pads: [1, 1, 1] },
    { x: [1, 3, 7, 5, 2], k: [1, 3, 3], co: 3, s: [1, 2, 2] },
    { x: [2, 7, 6, 2], k: [3, 3], co: 3, s: 2, pads: [1, 1] },
  ];
  const fail = () => {
    throw new Error('forced failure');
  };
  addon.convForward = fail;
  addon.convBackwardData = fail;
  addon.convBackwardWeights = fail;
  try {
    cases.forEach((c, i) => checkFused(c, 4000 + 20 * i));
  } finally {
    Object.assign(addon, { convForward: saved.f, convBackwardData: saved.d, convBackwardWeights: saved.w });
  }
  assert.ok(warnings.some((w) => /forced failure/.test(w)));
});

test('fused conv + norm + act (2D) forward and backward match float64 references', { skip: skipNoNative }, () => {
  fused2d.forEach((c, i) => checkFused(c, 2000 + 20 * i));
});

test('fused block gradients agree with finite differences', { skip: skipNoNative }, () => {
  const c: FusedCase = { x: [2, 4, 5, 3, 2], k: [3, 3, 3], co: 3, s: [1, 2, 1] };
  const inp = fusedInputs(c, 77);
  const attrs = { strides: c.s, eps: EPS, slope: SLOPE };
  const [out0, conv, mean, invStd] = run(CONV_NORM_ACT, inp, attrs) as Tensor[];
  const r = rand(out0.shape, 78);
  const loss = (p: typeof inp) => dot(values((run(CONV_NORM_ACT, p, attrs) as Tensor[])[0]), values(r));
  const grads = run(CONV_NORM_ACT_GRAD, { dy: r, x: inp.x, filter: inp.filter, conv, mean, invStd, gamma: inp.gamma, beta: inp.beta }, attrs) as Tensor[];
  const keys = ['x', 'filter', 'bias', 'gamma', 'beta'] as const;
  keys.forEach((k, i) => {
    const v = rand(inp[k].shape, 80 + i);
    const h = 3e-4; // the leaky ReLU's kink makes larger steps cross it
    const plus = loss({ ...inp, [k]: tf.add(inp[k], tf.mul(v, h)) });
    const minus = loss({ ...inp, [k]: tf.sub(inp[k], tf.mul(v, h)) });
    const fd = (plus - minus) / (2 * h);
    const an = dot(values(grads[i]), values(v));
    const scale = k === 'bias' ? Math.max(1, Math.abs(dot(values(grads[0]), values(rand(inp.x.shape, 99))))) : Math.max(1e-3, Math.abs(an));
    assert.ok(Math.abs(fd - an) / scale < 1e-2, `${k}: finite difference ${fd} vs analytic ${an}`);
  });
});

test('inputGrad: false skips dx (zeros) and leaves the other gradients unchanged', { skip: skipNoNative }, () => {
  const c: FusedCase = { x: [2, 6, 6, 6, 1], k: [3, 3, 3], co: 4, s: 1, pads: [1, 1, 1] };
  const inp = fusedInputs(c, 55);
  const attrs = { strides: c.s, eps: EPS, slope: SLOPE, pads: c.pads };
  const [out, conv, mean, invStd] = run(CONV_NORM_ACT, inp, attrs) as Tensor[];
  const gin = { dy: rand(out.shape, 56), x: inp.x, filter: inp.filter, conv, mean, invStd, gamma: inp.gamma, beta: inp.beta };
  const full = run(CONV_NORM_ACT_GRAD, gin, attrs) as Tensor[];
  const skip = run(CONV_NORM_ACT_GRAD, gin, { ...attrs, inputGrad: false }) as Tensor[];
  assert.ok(values(skip[0]).every((v) => v === 0) && values(full[0]).some((v) => v !== 0));
  for (let i = 1; i < 5; i++) assert.deepEqual(Array.from(values(skip[i])), Array.from(values(full[i])));
});

interface UpCase {
  x: number[];
  s: number[];
  co: number;
}
const upCases: UpCase[] = [
  { x: [2, 3, 4, 5, 8], s: [2, 2, 2], co: 4 },
  { x: [1, 4, 3, 3, 6], s: [1, 2, 2], co: 3 },
  { x: [1, 2, 2, 2, 64], s: [2, 2, 2], co: 32 },
  { x: [2, 5, 4, 3], s: [2, 2], co: 2 },
  { x: [1, 3, 4, 7], s: [2, 1], co: 5 },
];

test('transposed conv (k = s) and its gradient match tfjs reference kernels', { skip: skipNoNative }, () => {
  upCases.forEach((c, i) => {
    const nsp = c.x.length - 2;
    const sfx = nsp === 3 ? '' : '2D';
    const names = nsp === 3 ? ['Conv3D', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'] : ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];
    const ci = c.x[c.x.length - 1];
    const x = rand(c.x, 3000 + i), filter = rand([...c.s, c.co, ci], 3100 + i);
    const y = run(UP_CONV + sfx, { x, filter }, { strides: c.s }) as Tensor;
    const yShape = [c.x[0], ...c.s.map((s, a) => s * c.x[1 + a]), c.co];
    assert.deepEqual(y.shape, yShape);
    const a = { strides: c.s, pad: 'valid', dilations: 1, dataFormat: nsp === 3 ? 'NDHWC' : 'NHWC' };
    const yRef = runReference(names[1], { dy: x, filter }, { ...a, inputShape: yShape });
    assert.ok(relErr(values(y), values(yRef)) < 2e-5, `up ${JSON.stringify(c)}`);
    const dy = rand(yShape, 3200 + i);
    const [dx, dfilter] = run(UP_CONV_GRAD + sfx, { dy, x, filter }, { strides: c.s }) as Tensor[];
    const dxRef = runReference(names[0], { x: dy, filter }, a);
    const dwRef = runReference(names[2], { x: dy, dy: x }, { ...a, filterShape: filter.shape });
    assert.ok(relErr(values(dx), values(dxRef)) < 2e-5, `up dx ${JSON.stringify(c)}`);
    assert.ok(relErr(values(dfilter), values(dwRef)) < 2e-5, `up dfilter ${JSON.stringify(c)}`);
    // <up(x), dy> = <x, dx> = <filter, dfilter>
    const p = dot(values(y), values(dy));
    assert.ok(Math.abs(p - dot(values(x), values(dx))) < 1e-4 * Math.abs(p) + 1e-4);
    assert.ok(Math.abs(p - dot(values(filter), values(dfilter))) < 1e-4 * Math.abs(p) + 1e-4);
  });
});
