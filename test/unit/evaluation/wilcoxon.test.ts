import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { erfc, signedRankPmf, wilcoxon } from '../../../server/src/engine/evaluation/wilcoxon';
import { repoRoot } from '../../helpers/data';

const fixture = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'unit', 'evaluation', 'fixtures', 'scipy_wilcoxon.json'), 'utf8')) as {
  cases: { name: string; x: number[]; y: number[]; statistic: number; pvalue: number }[];
};

for (const c of fixture.cases) {
  test(`wilcoxon equals scipy.stats.wilcoxon: ${c.name}`, () => {
    const r = wilcoxon(c.x, c.y);
    assert.equal(r.method, c.name.includes('(exact)') ? 'exact' : 'approx');
    assert.ok(r.statistic !== null && Math.abs(r.statistic - c.statistic) < 1e-9, `statistic ${r.statistic} vs ${c.statistic}`);
    assert.ok(r.pvalue !== null && Math.abs(r.pvalue - c.pvalue) <= 1e-12 + 1e-9 * c.pvalue, `p ${r.pvalue} vs ${c.pvalue}`);
  });
}

test('signed-rank null distribution of n=3: R+ in 0..6 with counts 1,1,1,2,1,1,1 over 8', () => {
  assert.deepEqual(Array.from(signedRankPmf(3)).map((p) => p * 8), [1, 1, 1, 2, 1, 1, 1]);
});

test('pairs with a missing value are dropped; all-zero differences give no p-value', () => {
  const r = wilcoxon([1, null, 3, 4, 5], [0, 2, 1, 1, 1]);
  assert.equal(r.pairs, 4);
  assert.equal(r.pvalue, 0.125); // all four differences positive: 2 / 2^4
  const z = wilcoxon([1, 2], [1, 2]);
  assert.equal(z.pvalue, null);
  assert.equal(z.method, 'none');
});

test('erfc: known values', () => {
  // Python's math.erfc
  for (const [x, want] of [[0, 1], [1, 0.15729920705028513], [5, 1.5374597944280351e-12], [-1, 1.842700792949715], [2.2, 0.0018628462979818894]]) {
    assert.ok(Math.abs(erfc(x) / want - 1) < 1e-14, `erfc(${x}) = ${erfc(x)}, want ${want}`);
  }
});
