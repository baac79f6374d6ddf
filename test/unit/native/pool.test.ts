// Output buffers are reused after disposal, and never while a tensor (or user code) can still see them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { native, rand, setup, skipNoNative, tf, values } from './helpers';

setup();
type Tensor = import('@tensorflow/tfjs-core').Tensor;

const shape = [2, 64, 64, 16]; // 512 KB: pooled
const a = rand(shape, 1), b = rand(shape, 2);
const expected = Float32Array.from(values(a), (v, i) => v + values(b)[i]);
const sum = () => tf.add(a, b) as Tensor;
const churn = () => {
  for (let i = 0; i < 4; i++) {
    const t = tf.mul(a, b) as Tensor; // same size: takes any freed buffer
    t.dispose();
  }
};

test('a disposed output buffer is reused', { skip: skipNoNative }, () => {
  const t = sum();
  const idle = native.idleBytes();
  t.dispose();
  assert.equal(native.idleBytes(), idle + 4 * values(a).length);
  const u = sum();
  assert.equal(native.idleBytes(), idle);
  u.dispose();
});

test('a contiguous slice (a view) keeps its buffer alive after the parent is disposed', { skip: skipNoNative }, () => {
  const t = sum();
  const view = tf.slice(t, [1, 0, 0, 0], [1, 64, 64, 16]);
  t.dispose();
  churn();
  assert.deepEqual(Array.from(values(view)), Array.from(expected.subarray(expected.length / 2)));
  view.dispose();
});

test('values read by user code are never overwritten', { skip: skipNoNative }, () => {
  const t = sum();
  const seen = t.dataSync() as Float32Array;
  t.dispose();
  churn();
  assert.deepEqual(Array.from(seen), Array.from(expected));
});

test('a reshape shares the buffer until both are disposed', { skip: skipNoNative }, () => {
  const t = sum();
  const r = tf.reshape(t, [-1]);
  t.dispose();
  churn();
  const idle = native.idleBytes();
  tf.tidy(() => {
    const copy = tf.add(r, 0) as Tensor;
    assert.deepEqual(Array.from(copy.dataSync()), Array.from(expected));
  });
  r.dispose();
  assert.ok(native.idleBytes() > idle - 4 * expected.length);
});

test('idle buffers of a size no longer used are dropped', { skip: skipNoNative }, () => {
  const big = tf.ones([2, 64, 64, 64]); // 2 MB
  tf.tidy(() => { tf.add(big, 1); });
  assert.ok(native.idleBytes() >= 2 ** 21);
  const small = tf.ones([65536]); // 256 KB: another pooled size
  for (let i = 0; i < 1300; i++) tf.tidy(() => { tf.add(small, 1); });
  assert.ok(native.idleBytes() < 2 ** 21, `idle ${native.idleBytes()} bytes still held`);
  tf.dispose([big, small]);
  native.releaseIdle();
  assert.equal(native.idleBytes(), 0);
});
