// The native versions of the engine's host kernels (channel concat/split, sum to channels, the fused
// softmax + Dice + CE loss) against the engine's JS versions on the same cpu tensors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONCAT_CHANNELS, DICE_CE, registerHostKernels, SPLIT_CHANNELS, SUM_TO_CHANNELS } from '../../../server/src/engine/compute/hostKernels';
import { rand, relErr, run, skipNoNative, tf, values, warnings } from './helpers';
import { native } from './helpers';

type Tensor = import('@tensorflow/tfjs-core').Tensor;

// The JS versions, registered under the wasm backend's name (they run on any host-memory backend).
registerHostKernels('wasm');
registerHostKernels('cpu');
tf.setBackend('cpu');
if (native.available) native.registerKernels(tf);

const calls: Record<string, number> = {};
if (native.available) {
  const addon = native.addon as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const k of ['copy', 'reduce', 'diceCE']) {
    const f = addon[k];
    addon[k] = (...a: unknown[]) => {
      calls[k] = (calls[k] ?? 0) + 1;
      return f(...a);
    };
  }
}

function js(name: string, inputs: Record<string, Tensor>, attrs: object): Tensor[] {
  const r = tf.getKernel(name, 'wasm')!.kernelFunc({ inputs, backend: tf.backend(), attrs: attrs as never });
  return (Array.isArray(r) ? r : [r]).map((t) => tf.engine().makeTensorFromTensorInfo(t));
}

function same(name: string, inputs: Record<string, Tensor>, attrs: object, tol: number) {
  const got = run(name, inputs, attrs);
  const list = Array.isArray(got) ? got : [got];
  const want = js(name, inputs, attrs);
  assert.equal(list.length, want.length);
  list.forEach((g, i) => {
    assert.deepEqual(g.shape, want[i].shape, name);
    const e = relErr(values(g), values(want[i]));
    assert.ok(e <= tol, `${name} ${JSON.stringify(attrs)} output ${i}: ${e}`);
  });
}

test('channel concat, split and sum-to-channels match the JS host kernels', { skip: skipNoNative }, () => {
  const a = rand([2, 5, 6, 7, 16], 1), b = rand([2, 5, 6, 7, 3], 2);
  same(CONCAT_CHANNELS, { a, b }, {}, 0);
  same(SPLIT_CHANNELS, { x: rand([2, 5, 6, 7, 19], 3) }, { first: 16 }, 0);
  same(SUM_TO_CHANNELS, { x: rand([2, 30, 40, 50, 4], 4) }, {}, 1e-6);
  assert.ok(calls.copy >= 4 && calls.reduce >= 1, JSON.stringify(calls));
});

test('fused Dice + CE matches the JS host kernel for int32 and float32 labels', { skip: skipNoNative }, () => {
  const [N, D, H, W, K] = [2, 9, 10, 11, 3];
  const logits = tf.mul(rand([N, D, H, W, K], 5), 3) as Tensor;
  const lab = Int32Array.from(values(rand([N, D, H, W], 6)), (v) => Math.min(K - 1, Math.floor((v + 1) * 1.5)));
  for (const target of [tf.tensor(lab, [N, D, H, W], 'int32'), tf.tensor(Float32Array.from(lab), [N, D, H, W])])
    for (const [doBg, batchDice] of [[false, false], [true, false], [false, true]])
      same(DICE_CE, { logits, target }, { weightDice: 1.5, weightCE: 0.5, smooth: 1e-5, doBg, batchDice }, 2e-5);
  assert.ok(calls.diceCE >= 6, JSON.stringify(calls));
});

test('a label outside the classes falls back to the JS kernel with a warning', { skip: skipNoNative }, () => {
  const logits = rand([1, 20, 20, 20, 3], 7);
  const lab = new Int32Array(8000).fill(1);
  lab[5] = 7;
  const target = tf.tensor(lab, [1, 20, 20, 20], 'int32');
  const attrs = { weightDice: 1, weightCE: 1, smooth: 1e-5, doBg: false, batchDice: false };
  const [loss] = run(DICE_CE, { logits, target }, attrs) as Tensor[];
  const [ref] = js(DICE_CE, { logits, target }, attrs);
  assert.deepEqual(Array.from(values(loss)), Array.from(values(ref)));
  assert.ok(warnings.some((w) => /outside/.test(w)), warnings.join(' | '));
});
