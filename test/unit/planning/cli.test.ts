import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Plans } from '../../../server/src/engine/planning/plans';
import { cliPath, repoRoot, tempDir } from '../../helpers/data';
import { comparable } from './comparable';

const tmp = tempDir('nnseg-plancli-');
after(() => tmp.cleanup());
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'preprocessing');

function run(...args: string[]) {
  return spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', env: { ...process.env, NNSEG_PREPROCESSED: path.join(tmp.dir, 'pre') } });
}

/** nnU-Net's plans with the intensity means/stds rounded: numpy sums float32 draws in float32. */
function roundIntensities(p: Plans): Plans {
  for (const v of Object.values(p.foreground_intensity_properties_per_channel)) {
    v.mean = +v.mean.toPrecision(5);
    v.std = +v.std.toPrecision(5);
  }
  return p;
}

for (const name of ['Dataset911_TinyAnisoCT', 'Dataset912_TinyIsoMR']) {
  test(`nnseg plan DIR --json --gpu-memory 8 reproduces nnU-Net v2's plans from the images: ${name}`, () => {
    const r = run('plan', path.join(fixtures, name), '--json', '--gpu-memory', '8', '--workers', '0');
    assert.equal(r.status, 0, r.stderr);
    const plans = JSON.parse(r.stdout) as Plans;
    const expected = JSON.parse(fs.readFileSync(path.join(fixtures, name, 'nnunet', 'nnUNetPlans.json'), 'utf8')) as Plans;
    assert.deepEqual(comparable(roundIntensities(plans)), comparable(roundIntensities(expected)));
    assert.equal(plans.nnseg_planner?.preset, 'gpu');
    assert.ok(fs.existsSync(path.join(tmp.dir, 'pre', name, 'nnsegPlans.json')));
    assert.ok(fs.existsSync(path.join(tmp.dir, 'pre', name, 'dataset_fingerprint.json')));
  });
}

test('nnseg plan without --gpu-memory plans for the CPU; options and usage errors', () => {
  const dir = path.join(fixtures, 'Dataset912_TinyIsoMR');
  // the default output folder: the fingerprint of the test above is reused
  const r = run('plan', dir, '--json');
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout) as Plans;
  assert.equal(p.nnseg_planner?.preset, 'cpu');
  assert.equal(p.nnseg_planner?.base_features, 16);
  const before = fs.readFileSync(path.join(tmp.dir, 'pre', 'Dataset912_TinyIsoMR', 'nnsegPlans.json'), 'utf8');
  const h = run('plan', dir, '--gpu-memory', '8', '--base-features', '24', '--max-features', '200', '--dry-run');
  assert.equal(h.status, 0, h.stderr);
  assert.match(h.stdout, /custom planner .* features 24\.\.200/);
  assert.match(h.stdout, /3d_fullres +patch \d+x\d+x\d+/);
  assert.match(h.stdout, /reused .*dataset_fingerprint\.json/);
  assert.equal(fs.readFileSync(path.join(tmp.dir, 'pre', 'Dataset912_TinyIsoMR', 'nnsegPlans.json'), 'utf8'), before, 'dry run writes nothing');
  assert.equal(run('plan', dir, '--gpu-memory', 'lots').status, 2);
  assert.equal(run('plan').status, 2);
  const missing = run('plan', path.join(tmp.dir, 'nope'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /dataset\.json not found/);
});

test('nnseg preprocess plans when needed, caches, then skips on re-run', () => {
  const dir = path.join(fixtures, 'Dataset911_TinyAnisoCT');
  const out = path.join(tmp.dir, 'pp');
  fs.mkdirSync(out, { recursive: true });
  fs.copyFileSync(path.join(tmp.dir, 'pre', 'Dataset911_TinyAnisoCT', 'dataset_fingerprint.json'), path.join(out, 'dataset_fingerprint.json'));
  const r = run('preprocess', dir, '-c', '3d_fullres', '--out', out, '--workers', '0', '--json');
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.deepEqual(rep.configurations[0].done, ['synth_000', 'synth_001', 'synth_002']);
  assert.match(r.stderr, /planning first/);
  const again = run('preprocess', dir, '-c', '3d_fullres', '--out', out);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /0 preprocessed, 3 already done, 0 failed/);
  const bad = run('preprocess', dir, '-c', '3d_lowres', '--out', out);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /no configuration "3d_lowres"/);
  const fp = run('fingerprint', dir, '--out', path.join(tmp.dir, 'fp'), '--workers', '0');
  assert.equal(fp.status, 0, fp.stderr);
  assert.match(fp.stdout, /3 cases/);
});
