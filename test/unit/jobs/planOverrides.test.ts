import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cliPath, tempDir } from '../../helpers/data';
import { generateSyntheticDataset } from '../../../server/src/engine/dataset/synthetic';
import { planDataset } from '../../../server/src/engine/planning/run';
import { applyPlanOverrides } from '../../../server/src/jobs/runners/planOverrides';
import { resolveConfig } from '../../../server/src/config/resolve';
import { NnsegError } from '../../../server/src/util/errors';

const ws = tempDir();
after(() => ws.cleanup());

test('planning.patchSize and batchSize go into the plans; a patch the topology cannot take is refused, naming the config', async () => {
  const raw = path.join(ws.dir, 'raw', 'Dataset961_Over');
  await generateSyntheticDataset({ dir: raw, numCases: 2, shape: [24, 40, 40], seed: 3 });
  const { plans } = await planDataset(raw, { outDir: path.join(ws.dir, 'pre', 'Dataset961_Over'), workers: 0 });
  const c = plans.configurations['3d_fullres'] as { patch_size: number[]; batch_size: number; architecture: { arch_kwargs: { strides: number[][] } } };
  const total = c.patch_size.map((_, a) => c.architecture.arch_kwargs.strides.reduce((acc, s) => acc * s[a], 1));
  const patch = total.map((t) => t * 2);
  const cfg = resolveConfig({ dataset: 'D', planning: { patchSize: patch, batchSize: 3 } }, 'x.nnseg.json');
  const changes = applyPlanOverrides(plans, '3d_fullres', cfg.planning, 'x.nnseg.json');
  assert.deepEqual(c.patch_size, patch);
  assert.equal(c.batch_size, 3);
  assert.ok(changes.some((l) => l.includes(`-> ${patch.join('x')}`)) && changes.some((l) => l.includes('-> 3')), changes.join('; '));
  const odd = resolveConfig({ dataset: 'D', planning: { patchSize: patch.map((p) => p + 1) } }, 'x.nnseg.json');
  assert.throws(() => applyPlanOverrides(plans, '3d_fullres', odd.planning, 'x.nnseg.json'), (e: unknown) => e instanceof NnsegError && /x\.nnseg\.json: planning\.patchSize .* not divisible/.test((e as Error).message));
  // Without overrides nothing changes.
  assert.deepEqual(applyPlanOverrides(plans, '3d_fullres', resolveConfig({ dataset: 'D' }, 'x.nnseg.json').planning, 'x.nnseg.json'), []);
});

test('the Plan job writes the overrides into nnsegPlans.json and says so in its log', async () => {
  const raw = path.join(ws.dir, 'Dataset962_Job');
  await generateSyntheticDataset({ dir: raw, numCases: 2, shape: [24, 40, 40], seed: 4 });
  fs.writeFileSync(path.join(ws.dir, 'o.nnseg.json'), JSON.stringify({ dataset: 'Dataset962_Job', planning: { batchSize: 4 } }));
  const r = spawnSync(process.execPath, [cliPath, 'jobs', 'run', 'plan', '--config', 'o.nnseg.json', '--json'], { encoding: 'utf8', cwd: ws.dir, env: { ...process.env, NNSEG_STORAGE: path.join(ws.dir, '.storage'), nnUNet_preprocessed: '' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const plans = JSON.parse(fs.readFileSync(path.join(ws.dir, 'preprocessed', 'Dataset962_Job', 'nnsegPlans.json'), 'utf8'));
  assert.equal(plans.configurations['3d_fullres'].batch_size, 4);
  assert.match(r.stdout, /batch size \d+ -> 4 \(planning overrides in /);
});
