import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cliPath, tempDir } from '../../helpers/data';

const ws = tempDir();
after(() => ws.cleanup());

test('nnseg demo builds a dataset and a config that check clean, then plans and preprocesses it; a rerun reuses it', () => {
  const run = () => spawnSync(process.execPath, [cliPath, 'demo', '--dir', ws.dir, '--json'], { encoding: 'utf8' });
  const r = run();
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.dataset.training, 8);
  assert.equal(out.config.errors, 0);
  const plans = JSON.parse(fs.readFileSync(out.plan.plansFile, 'utf8'));
  assert.ok(plans.configurations['3d_fullres'].patch_size.length === 3);
  assert.equal(out.plan.configurations[0].done, 8);
  const again = run();
  assert.equal(again.status, 0, again.stderr);
  const out2 = JSON.parse(again.stdout);
  assert.equal(out2.dataset.reused, true);
  assert.equal(out2.plan.configurations[0].skipped, 8, 'preprocessed cases are reused');
  assert.ok(fs.existsSync(path.join(ws.dir, 'demo.nnseg.json')));
});
