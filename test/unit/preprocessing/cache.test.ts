import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateSyntheticDataset } from '../../../server/src/engine/dataset/synthetic';
import { planDataset } from '../../../server/src/engine/planning/run';
import { preprocessDataset } from '../../../server/src/engine/preprocessing/run';
import { casePaths, listCachedCases, readCachedCase } from '../../../server/src/engine/preprocessing/cache';
import type { JobContext } from '../../../server/src/jobs/context';
import { readNifti, writeNifti } from '../../../server/src/engine/io';
import { tempDir } from '../../helpers/data';

const tmp = tempDir('nnseg-cache-');
after(() => tmp.cleanup());

function recordingContext(): JobContext & { fractions: number[] } {
  const fractions: number[] = [];
  return { fractions, signal: new AbortController().signal, log() {}, metrics() {}, progress: (f) => fractions.push(f ?? -1) };
}

test('preprocess writes every case, skips them when current, redoes changed or half-written ones', async () => {
  const raw = path.join(tmp.dir, 'raw', 'Dataset950_Cache');
  const out = path.join(tmp.dir, 'pre', 'Dataset950_Cache');
  await generateSyntheticDataset({ dir: raw, numCases: 4, shape: [12, 20, 18], spacing: [2.5, 0.9, 0.9], spacingJitter: 0.15, seed: 5 });
  await planDataset(raw, { outDir: out, planner: { memoryTargetGB: 8 }, workers: 0 });
  const ctx = recordingContext();
  const r1 = await preprocessDataset(raw, { outDir: out, configurations: ['3d_fullres'], workers: 2 }, ctx);
  const c1 = r1.configurations[0];
  assert.deepEqual(c1.done, ['synth_000', 'synth_001', 'synth_002', 'synth_003']);
  assert.deepEqual(c1.failed, []);
  assert.equal(ctx.fractions.at(-1), 1);
  assert.deepEqual(listCachedCases(c1.dir), c1.done);

  const cached = readCachedCase(c1.dir, 'synth_001');
  assert.equal(cached.channels.length, 1);
  assert.equal(cached.seg!.length, cached.shape.reduce((a, b) => a * b, 1));
  assert.ok(cached.classLocations['1'].length > 0 && cached.classLocations['1'].length % 3 === 0);
  const [z, y, x] = cached.classLocations['2'];
  assert.equal(cached.seg![(z * cached.shape[1] + y) * cached.shape[2] + x], 2, 'a sampled location of class 2 holds label 2');

  const r2 = await preprocessDataset(raw, { outDir: out, configurations: ['3d_fullres'], workers: 0 });
  assert.deepEqual(r2.configurations[0].done, []);
  assert.equal(r2.configurations[0].skipped.length, 4);

  // an interrupted write: the .bin is cut short; a missing .json; a changed input file
  const p0 = casePaths(c1.dir, 'synth_000');
  fs.truncateSync(p0.bin, 100);
  fs.rmSync(casePaths(c1.dir, 'synth_002').json);
  const img3 = path.join(raw, 'imagesTr', 'synth_003_0000.nii.gz');
  const t = new Date(Date.now() + 5000);
  fs.utimesSync(img3, t, t);
  assert.deepEqual(listCachedCases(c1.dir), ['synth_001', 'synth_003']);
  const r3 = await preprocessDataset(raw, { outDir: out, configurations: ['3d_fullres'], workers: 0 });
  assert.deepEqual(r3.configurations[0].done, ['synth_000', 'synth_002', 'synth_003']);
  assert.deepEqual(r3.configurations[0].skipped, ['synth_001']);
  assert.deepEqual(readCachedCase(c1.dir, 'synth_000').seg!.length, readCachedCase(c1.dir, 'synth_000').shape.reduce((a, b) => a * b, 1));

  // a broken case fails alone and is reported; the others stay done
  fs.writeFileSync(path.join(raw, 'imagesTr', 'synth_001_0000.nii.gz'), 'not a nifti file');
  const r4 = await preprocessDataset(raw, { outDir: out, configurations: ['3d_fullres'], workers: 2 });
  const c4 = r4.configurations[0];
  assert.equal(c4.failed.length, 1);
  assert.equal(c4.failed[0].id, 'synth_001');
  assert.match(c4.failed[0].message, /synth_001_0000\.nii\.gz/);
  assert.deepEqual(listCachedCases(c1.dir), ['synth_000', 'synth_002', 'synth_003'], 'the failed case does not look complete');
});

test('bad input while preprocessing: every bad case named in one report, the good ones preprocessed', async () => {
  const raw = path.join(tmp.dir, 'raw', 'Dataset951_Bad');
  const out = path.join(tmp.dir, 'pre', 'Dataset951_Bad');
  await generateSyntheticDataset({ dir: raw, numCases: 7, numChannels: 2, shape: [8, 14, 14], seed: 8 });
  await planDataset(raw, { outDir: out, planner: { memoryTargetGB: 8 }, workers: 0 });
  fs.rmSync(path.join(raw, 'imagesTr', 'synth_001_0001.nii.gz'));
  const f = path.join(raw, 'imagesTr', 'synth_002_0000.nii.gz');
  const v = await readNifti(f);
  const d = Float32Array.from(v.data as Float32Array);
  d[10] = NaN;
  await writeNifti(f, { data: d, shape: v.shape }, { kind: 'image', reference: v });
  const l = path.join(raw, 'labelsTr', 'synth_003.nii.gz');
  const lv = await readNifti(l, { raw: true });
  await writeNifti(l, { data: lv.data.slice(0, 14 * 14 * 7), shape: [7, 14, 14] }, { kind: 'label', reference: lv });
  // A label value dataset.json does not declare fails the case; an all-background map is a warning.
  const l4 = path.join(raw, 'labelsTr', 'synth_004.nii.gz');
  const lv4 = await readNifti(l4, { raw: true });
  const undeclared = Uint8Array.from(lv4.data as ArrayLike<number>);
  undeclared[100] = 99;
  await writeNifti(l4, { data: undeclared, shape: lv4.shape }, { kind: 'label', reference: lv4 });
  const l5 = path.join(raw, 'labelsTr', 'synth_005.nii.gz');
  const lv5 = await readNifti(l5, { raw: true });
  await writeNifti(l5, { data: new Uint8Array(lv5.data.length), shape: lv5.shape }, { kind: 'label', reference: lv5 });
  const r = await preprocessDataset(raw, { outDir: out, configurations: ['3d_fullres'], workers: 2 });
  const c = r.configurations[0];
  assert.deepEqual(c.done, ['synth_000', 'synth_005', 'synth_006']);
  assert.deepEqual(c.warnings.map((w) => w.id), ['synth_005']);
  assert.match(c.warnings[0].message, /synth_005\.nii\.gz: only background \(0\): an empty label map/);
  const failed = Object.fromEntries(c.failed.map((x) => [x.id, x.message]));
  assert.deepEqual(Object.keys(failed).sort(), ['synth_001', 'synth_002', 'synth_003', 'synth_004']);
  assert.match(failed.synth_004, /synth_004\.nii\.gz: contains label value 99 that dataset\.json does not declare \(declared: 0, 1, 2\)/);
  assert.match(failed.synth_001, /synth_001_0001\.nii\.gz: missing/);
  assert.match(failed.synth_002, /synth_002_0000\.nii\.gz: voxel 10 is NaN/);
  assert.match(failed.synth_003, /synth_003\.nii\.gz: geometry differs .*shape/);
});
