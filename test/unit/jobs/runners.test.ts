import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cliPath, tempDir } from '../../helpers/data';
import { makeDataset } from '../../helpers/workspace';

const ws = tempDir();
after(() => ws.cleanup());

function jobs(args: string[]) {
  return spawnSync(process.execPath, [cliPath, 'jobs', 'run', ...args, '--json'], { encoding: 'utf8', cwd: ws.dir, env: { ...process.env, NNSEG_STORAGE: path.join(ws.dir, '.storage') } });
}

function finalState(stdout: string) {
  const events = stdout.trim().split('\n').map((l) => JSON.parse(l));
  return events.filter((e) => e.type === 'state').pop().job;
}

test('compare and evaluate jobs run from a config, through the job queue', async () => {
  const ds = await makeDataset(ws.dir);
  const same = path.join(ws.dir, 'same');
  fs.cpSync(path.join(ds, 'labelsTr'), same, { recursive: true });
  fs.writeFileSync(
    path.join(ws.dir, 'c.nnseg.json'),
    JSON.stringify({ dataset: 'Dataset001_Liver', evaluation: { compareWith: [{ name: 'copy', path: 'same' }, { name: 'copy2', path: 'same', format: 'labelmap' }] } }),
  );
  const r = jobs(['compare', '--config', 'c.nnseg.json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const job = finalState(r.stdout);
  assert.equal(job.state, 'succeeded');
  assert.ok(fs.existsSync(job.result.reportHtml));
  assert.ok(job.result.reportHtml.startsWith(path.join(ws.dir, 'results', 'Dataset001_Liver', 'compare')));
  assert.match(fs.readFileSync(job.result.reportMd, 'utf8'), /copy/);

  const e = jobs(['evaluate', '--config', 'c.nnseg.json', '--param', `pred=${same}`, '--param', `out=${path.join(ws.dir, 's.json')}`]);
  assert.equal(e.status, 0, e.stdout + e.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(ws.dir, 's.json'), 'utf8'));
  assert.equal(summary.foreground_mean.Dice, 1);
});

test('a compare job without compareWith fails with one sentence naming the config', async () => {
  fs.writeFileSync(path.join(ws.dir, 'n.nnseg.json'), JSON.stringify({ dataset: 'Dataset001_Liver' }));
  const r = jobs(['compare', '--config', 'n.nnseg.json']);
  assert.equal(r.status, 1);
  const job = finalState(r.stdout);
  assert.match(job.error, /n\.nnseg\.json: evaluation\.compareWith lists no predictions/);
});
