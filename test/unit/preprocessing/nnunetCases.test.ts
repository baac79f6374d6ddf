import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trainingCases } from '../../../server/src/engine/dataset/cases';
import { foregroundClasses, readDatasetJson } from '../../../server/src/engine/dataset/datasetJson';
import { loadCase } from '../../../server/src/engine/dataset/load';
import { resolveConfiguration, type Plans } from '../../../server/src/engine/planning/plans';
import { preprocessCase } from '../../../server/src/engine/preprocessing/case';
import { repoRoot } from '../../helpers/data';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'preprocessing');

function readRaw<T>(file: string, ctor: new (b: ArrayBuffer) => T): T {
  const b = fs.readFileSync(file);
  const ab = new ArrayBuffer(b.byteLength);
  new Uint8Array(ab).set(b);
  return new ctor(ab);
}

const cases: [string, string, string, string][] = [
  ['Dataset911_TinyAnisoCT', 'synth_001', '3d_fullres', 'CT, separate-z resampling'],
  ['Dataset911_TinyAnisoCT', 'synth_000', '2d', 'CT, 2d configuration'],
  ['Dataset912_TinyIsoMR', 'synth_002', '3d_fullres', 'two-channel MR, crop, masked z-score, 3D cubic'],
];

for (const [ds, id, cfg, what] of cases) {
  test(`preprocessing equals nnU-Net's DefaultPreprocessor: ${ds} ${id} ${cfg} (${what})`, async () => {
    const dir = path.join(fixtures, ds);
    const ref = path.join(dir, 'nnunet', `${id}_${cfg}`);
    const meta = JSON.parse(fs.readFileSync(ref + '.json', 'utf8'));
    const plans = JSON.parse(fs.readFileSync(path.join(dir, 'nnunet', 'nnUNetPlans.json'), 'utf8')) as Plans;
    const dj = readDatasetJson(dir);
    const c = trainingCases(dir, dj).find((x) => x.id === id)!;
    const l = await loadCase(c);
    const out = preprocessCase(
      { channels: l.channels, seg: l.seg, shape: l.shape, spacing: l.spacing },
      {
        configuration: resolveConfiguration(plans, cfg),
        transposeForward: plans.transpose_forward,
        intensityProperties: plans.foreground_intensity_properties_per_channel,
        foregroundClasses: foregroundClasses(dj),
      },
    );
    assert.deepEqual([out.channels.length, ...out.shape], meta.data_shape);
    const data = readRaw(ref + '_data.f32', Float32Array);
    const n = out.shape.reduce((a, b) => a * b, 1);
    let maxDiff = 0;
    out.channels.forEach((ch, i) => {
      for (let v = 0; v < n; v++) maxDiff = Math.max(maxDiff, Math.abs(ch[v] - data[i * n + v]));
    });
    assert.ok(maxDiff < 1e-5, `max abs difference ${maxDiff}`);
    const seg = readRaw(ref + '_seg.i16', Int16Array);
    let mismatches = 0;
    for (let v = 0; v < n; v++) if (seg[v] !== out.seg[v]) mismatches++;
    assert.equal(mismatches, 0, 'labels identical');
    const p = meta.properties;
    assert.deepEqual(out.properties.shape_before_cropping, p.shape_before_cropping);
    assert.deepEqual(out.properties.bbox_used_for_cropping, p.bbox_used_for_cropping);
    assert.deepEqual(out.properties.shape_after_cropping_and_before_resampling, p.shape_after_cropping_and_before_resampling);
    // the same RandomState(1234) draws: the same foreground voxels, in the same order
    for (const [k, rows] of Object.entries(meta.class_locations as Record<string, number[][]>)) {
      const key = k.replace(/[() ]/g, '').replace(/,$/, '');
      assert.deepEqual(Array.from(out.classLocations[key]), rows.flatMap((r) => r.slice(1)), `class ${key}`);
    }
  });
}
