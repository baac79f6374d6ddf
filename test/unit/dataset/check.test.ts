import { test, after, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkDataset } from '../../../server/src/engine/dataset/check';
import { generateSyntheticDataset } from '../../../server/src/engine/dataset/synthetic';
import { readNifti, writeNifti } from '../../../server/src/engine/io';
import { cliPath, tempDir } from '../../helpers/data';

const tmp = tempDir('nnseg-check-');
after(() => tmp.cleanup());
let good = '';

before(async () => {
  good = path.join(tmp.dir, 'Dataset970_Good');
  await generateSyntheticDataset({ dir: good, numCases: 5, numTest: 1, numChannels: 2, shape: [10, 16, 16], numLabels: 2, seed: 3 });
});

test('a generated dataset has no problems', async () => {
  const r = await checkDataset(good);
  assert.deepEqual(r.problems, []);
  assert.equal(r.ok, true);
  assert.equal(r.numTraining, 5);
  assert.equal(r.numTest, 1);
  assert.deepEqual(r.channels, ['T1', 'T2']);
  assert.deepEqual(r.labels, [0, 1, 2]);
});

test('every kind of problem is reported at once, each naming its file', async () => {
  const bad = path.join(tmp.dir, 'Dataset971_Bad');
  fs.cpSync(good, bad, { recursive: true });
  const img = (id: string, c: number) => path.join(bad, 'imagesTr', `${id}_000${c}.nii.gz`);
  const lab = (id: string) => path.join(bad, 'labelsTr', `${id}.nii.gz`);
  // 1 missing channel file
  fs.rmSync(img('synth_000', 1));
  // 2 geometry mismatch: label with another spacing and another shape
  const l1 = await readNifti(lab('synth_001'), { raw: true });
  await writeNifti(lab('synth_001'), { data: l1.data, shape: l1.shape }, { kind: 'label', reference: l1, spacing: [2, 1, 1] });
  const i2 = await readNifti(img('synth_002', 1));
  await writeNifti(img('synth_002', 1), { data: i2.data.slice(0, 16 * 16 * 9), shape: [9, 16, 16] }, { kind: 'image', reference: i2 });
  // 3 undeclared label value, 4 empty label map, 5 NaN in an image
  const l3 = await readNifti(lab('synth_003'), { raw: true });
  const d3 = Uint8Array.from(l3.data as Uint8Array);
  d3[5] = 7;
  await writeNifti(lab('synth_003'), { data: d3, shape: l3.shape }, { kind: 'label', reference: l3 });
  const l4 = await readNifti(lab('synth_004'), { raw: true });
  await writeNifti(lab('synth_004'), { data: new Uint8Array(l4.data.length), shape: l4.shape }, { kind: 'label', reference: l4 });
  const i4 = await readNifti(img('synth_004', 0));
  const d4 = Float32Array.from(i4.data as Float32Array);
  d4[3] = NaN;
  d4[4] = NaN;
  await writeNifti(img('synth_004', 0), { data: d4, shape: i4.shape }, { kind: 'image', reference: i4 });
  // 6 non-consecutive labels in dataset.json, 7 wrong numTraining, 8 a file with another ending
  const dj = JSON.parse(fs.readFileSync(path.join(bad, 'dataset.json'), 'utf8'));
  dj.labels = { background: 0, blob1: 1, blob2: 2, blob5: 5 };
  dj.numTraining = 6;
  fs.writeFileSync(path.join(bad, 'dataset.json'), JSON.stringify(dj));
  fs.writeFileSync(path.join(bad, 'imagesTr', 'stray_0000.nii'), 'x');

  const r = await checkDataset(bad);
  const byCode = (code: string) => r.problems.filter((p) => p.code === code);
  assert.equal(r.ok, false);
  assert.deepEqual(byCode('missing-channel').map((p) => path.basename(p.file)), ['synth_000_0001.nii.gz']);
  const geo = byCode('geometry').map((p) => path.basename(p.file)).sort();
  assert.deepEqual(geo, ['synth_001.nii.gz', 'synth_002_0001.nii.gz']);
  assert.match(byCode('geometry').find((p) => p.file.endsWith('synth_001.nii.gz'))!.message, /spacing/);
  assert.match(byCode('geometry').find((p) => p.file.endsWith('synth_002_0001.nii.gz'))!.message, /shape/);
  const und = byCode('undeclared-labels');
  assert.equal(und.length, 1);
  assert.equal(path.basename(und[0].file), 'synth_003.nii.gz');
  assert.match(und[0].message, /7/);
  const empty = byCode('empty-label');
  assert.deepEqual(empty.map((p) => [path.basename(p.file), p.severity]), [['synth_004.nii.gz', 'warning']]);
  const nan = byCode('nan');
  assert.deepEqual(nan.map((p) => path.basename(p.file)), ['synth_004_0000.nii.gz']);
  assert.match(nan[0].message, /2 NaN/);
  assert.equal(byCode('labels-not-consecutive').length, 1);
  assert.match(byCode('labels-not-consecutive')[0].message, /0, 1, 2, 5/);
  assert.match(byCode('num-training')[0].message, /numTraining is 6 but 5/);
  assert.deepEqual(byCode('file-ending').map((p) => path.basename(p.file)), ['stray_0000.nii']);
  for (const p of r.problems) assert.ok(p.message.includes(p.file), `message names its file: ${p.message}`);

  // headers only: no label or voxel problems, the same file problems
  const q = await checkDataset(bad, { content: 'headers' });
  assert.equal(q.problems.filter((p) => ['nan', 'undeclared-labels', 'empty-label'].includes(p.code)).length, 0);
  assert.equal(q.problems.filter((p) => p.code === 'geometry').length, 2);

  // the CLI: all problems, exit 1, --json
  const cli = spawnSync(process.execPath, [cliPath, 'check-dataset', bad], { encoding: 'utf8' });
  assert.equal(cli.status, 1);
  assert.equal(cli.stdout.split('\n').filter((l) => /^(error|warning): /.test(l)).length, r.problems.length);
  const js = spawnSync(process.execPath, [cliPath, 'check-dataset', bad, '--json'], { encoding: 'utf8' });
  assert.equal(js.status, 1);
  assert.equal(JSON.parse(js.stdout).problems.length, r.problems.length);
  const ok = spawnSync(process.execPath, [cliPath, 'check-dataset', good], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  // Warnings alone fail it too, unless they are accepted.
  fs.writeFileSync(path.join(good, 'imagesTr', 'extra_0000.nii'), '');
  const warned = spawnSync(process.execPath, [cliPath, 'check-dataset', good], { encoding: 'utf8' });
  assert.equal(warned.status, 1, warned.stdout);
  assert.match(warned.stdout, /0 error\(s\), 1 warning\(s\)/);
  assert.equal(spawnSync(process.execPath, [cliPath, 'check-dataset', good, '--warnings-ok'], { encoding: 'utf8' }).status, 0);
  fs.rmSync(path.join(good, 'imagesTr', 'extra_0000.nii'));
});

test('a missing or broken dataset.json is one problem, not a crash', async () => {
  const dir = path.join(tmp.dir, 'Dataset972_Empty');
  fs.mkdirSync(dir);
  let r = await checkDataset(dir);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].message, /dataset\.json not found/);
  fs.writeFileSync(path.join(dir, 'dataset.json'), '{"channel_names": {"0": "CT"}, "labels": {"tumour": 1}, "numTraining": 0}');
  r = await checkDataset(dir);
  assert.ok(r.problems.some((p) => /background/.test(p.message)));
  assert.ok(r.problems.some((p) => /numTraining/.test(p.message)));
  assert.ok(r.problems.some((p) => /file_ending/.test(p.message)));
});
