import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { median, percentile, pyRound } from '../../../server/src/engine/fingerprint/numeric';
import { RandomState } from '../../../server/src/engine/fingerprint/randomState';

test('pyRound rounds exact halves to even, like Python 3', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 2.5001, 7].map(pyRound), [0, 2, 2, -0, -2, 2, 3, 7]);
});

test('percentile and median follow numpy (linear method, two-sided lerp)', () => {
  // np.percentile([1, 2, 3, 4], [10, 50, 99.5]) = 1.3, 2.5, 3.985; np.median([3, 1, 2]) = 2
  assert.ok(Math.abs(percentile([1, 2, 3, 4], 10) - 1.3) < 1e-12);
  assert.equal(percentile([4, 1, 3, 2], 50), 2.5);
  assert.ok(Math.abs(percentile([1, 2, 3, 4], 99.5) - 3.985) < 1e-12);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([0.7, 0.9]), (0.7 + 0.9) / 2);
});

test('RandomState draws the same numbers as numpy.random.RandomState(1234)', () => {
  // numpy 1.24: RandomState(1234).randint(0, 1000, 8) and RandomState(1234).permutation(12)
  let r = new RandomState(1234);
  const a: number[] = [];
  r.randint(1000, 8, (v) => a.push(v));
  assert.deepEqual(a, [815, 723, 294, 53, 204, 372, 664, 655]);
  r = new RandomState(1234);
  assert.deepEqual(Array.from(r.permutation(12)), [7, 8, 11, 2, 9, 10, 1, 0, 4, 5, 6, 3]);
  // choice(7, 5, replace=True) then choice(20, 5, replace=False) from one generator
  r = new RandomState(1234);
  const b: number[] = [];
  r.randint(7, 5, (v) => b.push(v));
  assert.deepEqual(b, [3, 6, 5, 4, 4]);
  assert.deepEqual(Array.from(r.permutation(20).slice(0, 5)), [7, 16, 2, 3, 1]);
});
