// The native elementwise, reduction, softmax and data-movement kernels against the cpu backend's
// original kernels, over broadcast patterns and axis layouts, and checks that the native loops ran.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { native, rand, relErr, run, runReferenceAll, setup, skipNoNative, tf, values } from './helpers';

setup();
type Tensor = import('@tensorflow/tfjs-core').Tensor;

const names = [
  'Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference',
  'Exp', 'Log', 'Neg', 'Sqrt', 'Square', 'Abs', 'Relu', 'LeakyRelu', 'Sigmoid', 'Reciprocal', 'Rsqrt', 'Tanh',
  'Sum', 'Max', 'Min', 'Mean', 'Softmax', 'Concat', 'Slice', 'SplitV', 'Transpose', 'PadV2', 'AddN', 'ZerosLike', 'OnesLike', 'Fill',
];
function reference(name: string, inputs: Record<string, Tensor> | Tensor[], attrs: object): Tensor[] {
  return runReferenceAll(name, inputs, attrs);
}

const calls: Record<string, number> = {};
function counting() {
  const addon = native.addon as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const k of ['binary', 'unary', 'reduce', 'softmax', 'copy', 'addN']) {
    const f = addon[k];
    addon[k] = (...a: unknown[]) => {
      calls[k] = (calls[k] ?? 0) + 1;
      return f(...a);
    };
  }
}
if (native.available) counting();

function same(name: string, inputs: Record<string, Tensor> | Tensor[], attrs: object, tol = 1e-6) {
  const got = run(name, inputs as Record<string, Tensor>, attrs);
  const list = Array.isArray(got) ? got : [got];
  const want = reference(name, inputs, attrs);
  assert.equal(list.length, want.length, name);
  list.forEach((g, i) => {
    assert.deepEqual(g.shape, want[i].shape, `${name} shape`);
    assert.equal(g.dtype, want[i].dtype, `${name} dtype`);
    const e = relErr(values(g), values(want[i]));
    assert.ok(e <= tol, `${name} ${JSON.stringify(attrs)} ${JSON.stringify(Array.isArray(inputs) ? inputs.map((t) => t.shape) : Object.values(inputs).map((t) => t.shape))}: error ${e}`);
  });
}

const binaryShapes: [number[], number[]][] = [
  [[2, 9, 17, 33], [2, 9, 17, 33]],
  [[2, 9, 17, 33], [33]],
  [[33], [2, 9, 17, 33]],
  [[2, 9, 17, 33], [2, 1, 1, 33]],
  [[2, 9, 17, 33], [2, 9, 17, 1]],
  [[2, 9, 17, 33], []],
  [[], [2, 9, 17, 33]],
  [[2, 6, 7, 8, 9], [1, 6, 1, 8, 1]],
  [[70000], [70000]],
  [[3, 70000], [3, 1]],
  [[1, 70000], [70000]],
];

test('binary kernels match the cpu backend over broadcast patterns', { skip: skipNoNative }, () => {
  const before = calls.binary ?? 0;
  let expected = 0;
  binaryShapes.forEach(([sa, sb], i) => {
    const a = rand(sa, 10 + i), b = tf.add(rand(sb, 50 + i), 2.5) as Tensor; // b away from 0 for RealDiv
    for (const n of ['Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference']) same(n, { a, b }, {});
    expected += 7 + (b.size >= 4096 ? 1 : 0);
  });
  assert.equal((calls.binary ?? 0) - before, expected);
});

test('unary kernels match the cpu backend', { skip: skipNoNative }, () => {
  const before = calls.unary ?? 0;
  const x = tf.mul(rand([2, 9, 17, 33], 3), 4) as Tensor;
  const pos = tf.add(tf.abs(x), 0.1) as Tensor;
  for (const n of ['Exp', 'Neg', 'Square', 'Abs', 'Relu', 'Sigmoid', 'Tanh']) same(n, { x }, {}, 2e-6);
  for (const n of ['Log', 'Sqrt', 'Reciprocal', 'Rsqrt']) same(n, { x: pos }, {}, 2e-6);
  same('LeakyRelu', { x }, { alpha: 0.01 });
  assert.ok((calls.unary ?? 0) - before >= 12);
});

test('reductions match the cpu backend on every axis layout', { skip: skipNoNative }, () => {
  const before = calls.reduce ?? 0;
  const cases: [number[], number | number[], boolean][] = [
    [[2, 9, 17, 33], [1, 2], false],
    [[2, 9, 17, 33], 3, false],
    [[2, 9, 17, 33], 0, true],
    [[2, 9, 17, 33], [0, 1, 2, 3], false],
    [[2, 9, 17, 33], [1, 2, 3], true],
    [[2, 9, 17, 33], [-1, -2], false],
    [[2, 9, 17, 33], [0, 2], false], // not one block: falls back
    [[1, 100000], 1, false],
    [[2, 50000, 3], 1, false],
    [[2, 1, 5000, 1, 3], [1, 2, 3], false],
  ];
  cases.forEach(([shape, axis, keepDims], i) => {
    const x = rand(shape, 300 + i);
    for (const n of ['Sum', 'Min', 'Mean']) same(n, { x }, { axis, keepDims }, 2e-6);
    same('Max', { x }, { reductionIndices: axis, keepDims });
  });
  assert.ok((calls.reduce ?? 0) - before >= (cases.length - 1) * 4);
});

test('softmax, concat, slice, split, transpose, pad, addN and fills match the cpu backend', { skip: skipNoNative }, () => {
  const before = { ...calls };
  same('Softmax', { logits: tf.mul(rand([2, 9, 17, 3], 1), 5) as Tensor }, { dim: -1 }, 2e-6);
  same('Softmax', { logits: rand([5000, 16], 2) }, { dim: -1 }, 2e-6);
  const a = rand([2, 9, 17, 16], 3), b = rand([2, 9, 17, 16], 4), c = rand([2, 9, 17, 5], 5);
  same('Concat', [a, b], { axis: -1 });
  same('Concat', [a, b, c], { axis: 3 });
  same('Concat', [a, b], { axis: 1 });
  same('Concat', [a, b], { axis: 0 });
  const x = rand([2, 9, 17, 33], 6);
  same('Slice', { x }, { begin: [0, 1, 2, 3], size: [2, 5, 10, 20] });
  same('Slice', { x }, { begin: [1, 0, 0, 0], size: [1, 9, 17, 33] }); // contiguous: a view, as before
  same('Slice', { x }, { begin: [0, 2, 0, 0], size: [-1, 6, -1, -1] });
  same('SplitV', { x: rand([2, 9, 17, 32], 7) }, { numOrSizeSplits: [16, 16], axis: -1 });
  same('SplitV', { x }, { numOrSizeSplits: [3, 6], axis: 1 });
  same('SplitV', { x }, { numOrSizeSplits: 3, axis: 2 - 1 });
  same('Transpose', { x }, { perm: [0, 3, 1, 2] });
  same('Transpose', { x }, { perm: [3, 2, 1, 0] });
  same('PadV2', { x }, { paddings: [[0, 0], [1, 2], [0, 3], [1, 1]], constantValue: 0 });
  same('PadV2', { x }, { paddings: [[1, 0], [0, 0], [2, 0], [0, 1]], constantValue: 1.5 });
  same('AddN', [x, rand(x.shape, 8), rand(x.shape, 9)], {}, 1e-6);
  same('ZerosLike', { x }, {});
  same('OnesLike', { x }, {});
  same('Fill', {}, { shape: [3, 70, 50], value: 0.25, dtype: 'float32' });
  for (const k of ['softmax', 'copy', 'addN']) assert.ok((calls[k] ?? 0) > (before[k] ?? 0), `${k} was not called`);
});

test('int32 and small tensors keep the original kernels', { skip: skipNoNative }, () => {
  const before = calls.binary ?? 0;
  const i = tf.tensor([1, 2, 3], [3], 'int32');
  assert.deepEqual(Array.from(values(tf.add(i, i) as Tensor)), [2, 4, 6]);
  assert.equal(tf.add(i, i).dtype, 'int32');
  same('Add', { a: rand([5, 7], 1), b: rand([7], 2) }, {});
  assert.equal(calls.binary ?? 0, before);
  assert.ok(names.length > 30);
});
