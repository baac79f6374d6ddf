import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfigFile, resolveConfig, ConfigError } from '../../../server/src/config/resolve';
import { presetDefaults, schemaAt, defaultFor } from '../../../server/src/config/schema';
import { isInside } from '../../../server/src/config/paths';
import { repoRoot, tempDir } from '../../helpers/data';

test('the generated config types are up to date with the schema', () => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'gen-config-type.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('improved preset: the paper values; baseline: nnU-Net v2 values', () => {
  const imp = resolveConfig({ dataset: 'D' }, 'x.nnseg.json');
  assert.equal(imp.preset, 'improved');
  assert.equal(imp.loss.diceWeight, 1.5);
  assert.equal(imp.loss.ceWeight, 0.5);
  assert.equal(imp.augmentation.rotation.probability, 0.3);
  assert.deepEqual(imp.augmentation.gaussianNoise.variance, [0, 0.2]);
  assert.equal(imp.augmentation.gaussianNoise.probability, 0.15);
  assert.deepEqual(imp.augmentation.lowResolution.zoom, [0.7, 1]);
  assert.equal(imp.augmentation.lowResolution.probability, 0.3);
  const base = resolveConfig({ dataset: 'D', preset: 'baseline' }, 'x.nnseg.json');
  assert.equal(base.loss.diceWeight, 1);
  assert.equal(base.loss.ceWeight, 1);
  assert.equal(base.augmentation.rotation.probability, 0.2);
  assert.deepEqual(base.augmentation.gaussianNoise.variance, [0, 0.1]);
  assert.equal(base.augmentation.gaussianNoise.probability, 0.1);
  assert.deepEqual(base.augmentation.lowResolution.zoom, [0.5, 1]);
  assert.equal(base.augmentation.lowResolution.probability, 0.25);
  assert.equal(base.deepSupervision.decay, 2);
  // Shared by both: the optimiser and schedule.
  for (const c of [imp, base]) {
    assert.equal(c.training.initialLR, 0.01);
    assert.equal(c.training.momentum, 0.99);
    assert.equal(c.training.nesterov, true);
    assert.equal(c.training.weightDecay, 3e-5);
    assert.equal(c.training.polyExponent, 0.9);
    assert.equal(c.crossValidation.numFolds, 5);
  }
});

test('values the user sets win over the preset, deep inside objects too', () => {
  const c = resolveConfig({ dataset: 'D', preset: 'baseline', loss: { diceWeight: 2 }, augmentation: { rotation: { probability: 0.9 } } }, 'x');
  assert.equal(c.loss.diceWeight, 2);
  assert.equal(c.loss.ceWeight, 1);
  assert.equal(c.augmentation.rotation.probability, 0.9);
  assert.deepEqual(c.augmentation.rotation.angleDegrees, [-30, 30]);
});

test('an invalid config is refused with its first error, naming the file', () => {
  assert.throws(() => resolveConfig({ dataset: 'D', loss: { ceWeight: -1 } }, 'my.nnseg.json'), (e: unknown) => e instanceof ConfigError && /my\.nnseg\.json: invalid config: \/loss\/ceWeight must be >= 0/.test((e as Error).message));
  assert.throws(() => resolveConfig({ preset: 'improved' }, 'a.nnseg.json'), /must have required property 'dataset'/);
  assert.throws(() => resolveConfig({ dataset: 'D', bogus: 1 }, 'a.nnseg.json'), /additional properties/);
  assert.throws(() => resolveConfig({ dataset: 'D', loss: { 'dice/weight': 1 } }, 'a.nnseg.json'), /\/loss must NOT have additional properties \("dice\/weight"\)/);
  assert.throws(() => resolveConfig({ dataset: 'D', configuration: '3d' }, 'a.nnseg.json'), /\/configuration must be equal to one of the allowed values \("3d_fullres", "3d_lowres", "2d"\)/);
});

test('every knob that has a default also names nnU-Net\'s value', () => {
  const missing: string[] = [];
  const walk = (obj: Record<string, unknown>, p: string[]) => {
    for (const [k, v] of Object.entries(obj)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, [...p, k]);
      else {
        const s = schemaAt([...p, k])!;
        if (s['x-nnunet'] === undefined) missing.push([...p, k].join('.'));
        if (!s.description) missing.push(`${[...p, k].join('.')} (description)`);
      }
    }
  };
  walk(presetDefaults('improved'), []);
  assert.deepEqual(missing, []);
  assert.equal(defaultFor(schemaAt(['loss', 'diceWeight'])!, 'baseline'), 1);
});

test('schema lookups see the schema\'s own keys only, not Object.prototype\'s', () => {
  assert.equal(schemaAt(['constructor']), undefined);
  assert.equal(schemaAt(['augmentation', 'toString']), undefined);
  assert.equal(schemaAt(['loss', 'diceWeight'])?.default, 1.5);
});

test('a path is inside a folder only when it stays there with symlinks resolved, existing or not', () => {
  const ws = tempDir();
  const outside = tempDir();
  try {
    fs.symlinkSync(outside.dir, path.join(ws.dir, 'link'));
    fs.symlinkSync(path.join(outside.dir, 'not-yet'), path.join(ws.dir, 'dangling'));
    fs.mkdirSync(path.join(ws.dir, 'real'));
    const roots = [fs.realpathSync(ws.dir)];
    assert.equal(isInside(path.join(ws.dir, 'real', 'results'), roots), true);
    assert.equal(isInside(path.join(ws.dir, 'new', 'deeper', 'results'), roots), true);
    assert.equal(isInside(path.join(ws.dir, 'link'), roots), false);
    assert.equal(isInside(path.join(ws.dir, 'link', 'new', 'results'), roots), false);
    assert.equal(isInside(path.join(ws.dir, 'dangling', 'results'), roots), false);
    assert.equal(isInside(path.join(ws.dir, 'real', '..', '..', 'x'), roots), false);
    assert.equal(isInside(`${ws.dir}-sibling`, roots), false);
  } finally {
    ws.cleanup();
    outside.cleanup();
  }
});

test('a "__proto__" key in a config file is refused, not taken as the config\'s prototype', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir.dir, 'p.nnseg.json');
    fs.writeFileSync(file, '{\n  "dataset": "D",\n  "__proto__": { "preset": "baseline" }\n}\n');
    assert.throws(() => readConfigFile(file), (e: unknown) => e instanceof ConfigError && /p\.nnseg\.json:3:3: "__proto__" is not a config key/.test((e as Error).message));
  } finally {
    dir.cleanup();
  }
});
