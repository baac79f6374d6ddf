import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractFingerprint } from '../../../server/src/engine/fingerprint/extract';
import type { DatasetFingerprint } from '../../../server/src/engine/fingerprint/types';
import { repoRoot } from '../../helpers/data';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'preprocessing');

for (const name of ['Dataset911_TinyAnisoCT', 'Dataset912_TinyIsoMR']) {
  test(`fingerprint equals nnU-Net v2's: ${name}`, async () => {
    const dir = path.join(fixtures, name);
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'nnunet', 'dataset_fingerprint.json'), 'utf8')) as DatasetFingerprint;
    const fp = await extractFingerprint(dir, { workers: name.endsWith('CT') ? 0 : 2 });
    assert.deepEqual(fp.spacings, expected.spacings);
    assert.deepEqual(fp.shapes_after_crop, expected.shapes_after_crop);
    assert.equal(fp.median_relative_size_after_cropping, expected.median_relative_size_after_cropping);
    assert.deepEqual(fp.case_identifiers, ['synth_000', 'synth_001', 'synth_002']);
    fp.shapes_before_crop!.forEach((s, i) => s.forEach((d, a) => assert.ok(d >= fp.shapes_after_crop[i][a])));
    for (const [c, e] of Object.entries(expected.foreground_intensity_properties_per_channel)) {
      const got = fp.foreground_intensity_properties_per_channel[c];
      // the same 1e8 draws: order statistics are exact
      for (const k of ['min', 'max', 'median', 'percentile_00_5', 'percentile_99_5'] as const) assert.equal(got[k], e[k], `channel ${c} ${k}`);
      // numpy accumulates the mean of float32 draws in float32; nnSeg in float64
      for (const k of ['mean', 'std'] as const) assert.ok(Math.abs(got[k] - e[k]) <= 2e-5 * Math.abs(e[k]), `channel ${c} ${k}: ${got[k]} vs ${e[k]}`);
    }
  });
}
