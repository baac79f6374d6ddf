import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeCaseMetrics } from '../../../server/src/engine/evaluation/caseMetrics';
import { readLabelFile } from '../../../server/src/engine/evaluation/labelFile';
import type { HdMode, LabelArray, LabelMetrics, Shape3 } from '../../../server/src/engine/evaluation/types';
import { corpusFile, repoRoot, skipNoCorpus } from '../../helpers/data';

// Expected values from scipy.ndimage + numpy (test/unit/evaluation/fixtures/make_fixtures.py).
const fixtures = path.join(repoRoot, 'test', 'unit', 'evaluation', 'fixtures');
type Expected = Record<string, Record<string, number | string | null>>;

function assertMatches(got: Record<string, LabelMetrics>, want: Expected, what: string): number {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${what}: labels`);
  let n = 0;
  for (const [label, w] of Object.entries(want)) {
    for (const [k, v] of Object.entries(w)) {
      const g = got[label][k as keyof LabelMetrics];
      if (typeof v === 'number' && typeof g === 'number') {
        assert.ok(Math.abs(g - v) <= 1e-6, `${what} label ${label} ${k}: ${g} vs scipy ${v}`);
        n++;
      } else assert.equal(g, v, `${what} label ${label} ${k}`);
    }
  }
  return n;
}

/** a shifted by d voxels per axis (engine order), zero filled, as make_fixtures.py's shift(). */
function shifted(a: LabelArray, shape: Shape3, d: number[]): Uint8Array {
  const [nz, ny, nx] = shape;
  const out = new Uint8Array(a.length);
  for (let z = 0; z < nz; z++) {
    const sz = z - d[0];
    if (sz < 0 || sz >= nz) continue;
    for (let y = 0; y < ny; y++) {
      const sy = y - d[1];
      if (sy < 0 || sy >= ny) continue;
      for (let x = 0; x < nx; x++) {
        const sx = x - d[2];
        if (sx >= 0 && sx < nx) out[(z * ny + y) * nx + x] = a[(sz * ny + sy) * nx + sx];
      }
    }
  }
  return out;
}

test('generated label maps (6 labels, anisotropic): every value equals scipy to 1e-6, both hd modes', async () => {
  const want = JSON.parse(fs.readFileSync(path.join(fixtures, 'scipy_gen.json'), 'utf8')) as { spacing: number[]; max: Expected; pooled: Expected };
  const ref = await readLabelFile(path.join(fixtures, 'gen_ref.nii.gz'));
  const pred = await readLabelFile(path.join(fixtures, 'gen_pred.nii.gz'));
  assert.deepEqual(ref.spacing, want.spacing);
  let n = 0;
  for (const mode of ['max', 'pooled'] as HdMode[]) {
    const got = computeCaseMetrics(ref.data, pred.data, ref.shape, ref.spacing, { hdMode: mode });
    n += assertMatches(got.labels, want[mode], mode);
  }
  assert.ok(n > 100);
});

const corpus = fs.existsSync(path.join(fixtures, 'scipy_corpus.json')) ? (JSON.parse(fs.readFileSync(path.join(fixtures, 'scipy_corpus.json'), 'utf8')) as Record<string, { shift: number[]; max: Expected }>) : {};
for (const [rel, c] of Object.entries(corpus)) {
  test(`${rel} against a copy shifted by ${c.shift.join(',')} voxels: every label equals scipy to 1e-6`, { skip: skipNoCorpus }, async () => {
    const ref = await readLabelFile(corpusFile(rel));
    const pred = shifted(ref.data, ref.shape, c.shift);
    const got = computeCaseMetrics(ref.data, pred, ref.shape, ref.spacing);
    const n = assertMatches(got.labels, c.max, rel);
    assert.ok(n >= Object.keys(c.max).length * 10);
  });
}
