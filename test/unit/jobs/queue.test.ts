import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../helpers/data';
import { JobQueue } from '../../../server/src/jobs/queue';
import { runCli } from '../../../server/src/main';
import type { JobEvent, JobInfo } from '../../../server/src/protocol';

const ws = tempDir();
after(() => ws.cleanup());

/** A job process written for the test: `body` runs on the queue's start message. */
function childModule(name: string, body: string): string {
  const file = path.join(ws.dir, `${name}.js`);
  fs.writeFileSync(file, `process.on('message', (m) => { if (m.type === 'start') { ${body} } });\n`);
  return file;
}

function recorder(queue: JobQueue) {
  const events: JobEvent[] = [];
  queue.onEvent((e) => events.push(e));
  const ended = (id: string) =>
    new Promise<JobInfo>((resolve) => {
      const check = (e: JobEvent) => e.type === 'state' && e.job.id === id && !['queued', 'running'].includes(e.job.state);
      const hit = events.find(check);
      if (hit) return resolve((hit as Extract<JobEvent, { type: 'state' }>).job);
      const sub = queue.onEvent((e) => {
        if (check(e)) {
          sub.dispose();
          resolve((e as Extract<JobEvent, { type: 'state' }>).job);
        }
      });
    });
  return { events, ended };
}

test('a job process that exits early says why: all its output is read before the job is failed', async () => {
  // 1 MB of output: the exit reaches the parent before the output has been read.
  const child = childModule('dies', `process.stdout.write('y'.repeat(1e6) + '\\n'); process.stderr.write('FATAL: out of memory\\n'); process.exit(3);`);
  const queue = new JobQueue({ storageDir: path.join(ws.dir, 's1'), childModule: child });
  const { events, ended } = recorder(queue);
  const job = queue.enqueue({ kind: 'selftest' });
  const end = await ended(job.id);
  assert.equal(end.state, 'failed');
  assert.match(end.error!, /exited with code 3 before the job finished; the last line it wrote to stderr: FATAL: out of memory$/);
  const last = events.findIndex((e) => e.type === 'state' && e.job.id === job.id && e.job.state === 'failed');
  assert.ok(events.slice(0, last).some((e) => e.type === 'log' && e.message === 'FATAL: out of memory'), 'the output is logged before the job ends');
});

test('output lines that arrive in pieces are logged whole', async () => {
  const child = childModule('pieces', `process.stdout.write('half a '); setTimeout(() => { process.stdout.write('line\\nnext\\n'); process.send({ type: 'result', result: 1 }, () => process.exit(0)); }, 100);`);
  const queue = new JobQueue({ storageDir: path.join(ws.dir, 's2'), childModule: child });
  const { events, ended } = recorder(queue);
  const job = queue.enqueue({ kind: 'selftest' });
  await ended(job.id);
  const lines = events.filter((e): e is Extract<JobEvent, { type: 'log' }> => e.type === 'log' && e.jobId === job.id).map((e) => e.message);
  assert.ok(lines.includes('half a line'), JSON.stringify(lines));
  assert.ok(lines.includes('next'), JSON.stringify(lines));
});

test('a cancelled queued job never starts; the next one does', async () => {
  const child = childModule('quick', `process.send({ type: 'result', result: process.env.NNSEG_JOB_ID }, () => process.exit(0));`);
  const queue = new JobQueue({ storageDir: path.join(ws.dir, 's3'), childModule: child });
  const { events, ended } = recorder(queue);
  const a = queue.enqueue({ kind: 'selftest' });
  const b = queue.enqueue({ kind: 'selftest' });
  const c = queue.enqueue({ kind: 'selftest' });
  assert.equal(queue.cancel(b.id), true);
  assert.equal((await ended(a.id)).state, 'succeeded');
  assert.equal((await ended(c.id)).state, 'succeeded');
  assert.equal((await ended(b.id)).state, 'cancelled');
  assert.ok(!events.some((e) => e.type === 'state' && e.job.id === b.id && e.job.state === 'running'));
});

test('after dispose the job process is gone and no event follows', async () => {
  const child = childModule('forever', `console.log('started'); setInterval(() => console.log('tick'), 20);`);
  const queue = new JobQueue({ storageDir: path.join(ws.dir, 's4'), childModule: child });
  const { events } = recorder(queue);
  const job = queue.enqueue({ kind: 'selftest' });
  const queued = queue.enqueue({ kind: 'selftest' });
  while (!events.some((e) => e.type === 'log' && e.message === 'started')) await new Promise((r) => setTimeout(r, 20));
  const pid = Number(/process (\d+)/.exec(events.map((e) => (e.type === 'log' ? e.message : '')).join('\n'))![1]);
  queue.dispose();
  assert.equal(queue.get(job.id)!.state, 'cancelled');
  assert.equal(queue.get(queued.id)!.state, 'cancelled');
  const count = events.length;
  await new Promise((r) => setTimeout(r, 500));
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
  assert.equal(events.length, count, JSON.stringify(events.slice(count)));
  assert.throws(() => queue.enqueue({ kind: 'selftest' }), /shut down/);
});

test('a broken jobs.json neither stops the queue nor `nnseg jobs list`', async () => {
  for (const [i, text] of ['null', '[]', '{"jobs": {}}', '{"jobs": [null, 1, {"id": 2}, {"id": "x", "state": "running", "title": "T", "startedAt": "t"}]}', '{"jobs"'].entries()) {
    const storageDir = path.join(ws.dir, `broken${i}`);
    fs.mkdirSync(storageDir);
    fs.writeFileSync(path.join(storageDir, 'jobs.json'), text);
    let out = '';
    const code = await runCli(['jobs', 'list', '--json'], { out: (t) => (out += t), err: (t) => (out += t), cwd: ws.dir, env: { ...process.env, NNSEG_STORAGE: storageDir } });
    assert.equal(code, 0, `${text}: ${out}`);
    const listed = JSON.parse(out).jobs as JobInfo[];
    assert.deepEqual(listed.map((j) => [j.id, j.state]), i === 3 ? [['x', 'failed']] : [], text);
    const queue = new JobQueue({ storageDir });
    assert.deepEqual(queue.list().map((j) => j.id), i === 3 ? ['x'] : [], text);
  }
});

test('`nnseg jobs list` shows a live backend\'s running job as running and leaves its file alone', async () => {
  const storageDir = path.join(ws.dir, 'live');
  fs.mkdirSync(storageDir);
  // The parent of this test process stands in for a live backend.
  const text = JSON.stringify({ pid: process.ppid, jobs: [{ id: 'j1', kind: 'selftest', title: 'T', state: 'running', queuedAt: 't', startedAt: 't' }] });
  fs.writeFileSync(path.join(storageDir, 'jobs.json'), text);
  let out = '';
  const code = await runCli(['jobs', 'list', '--json'], { out: (t) => (out += t), err: (t) => (out += t), cwd: ws.dir, env: { ...process.env, NNSEG_STORAGE: storageDir } });
  assert.equal(code, 0, out);
  assert.equal((JSON.parse(out).jobs as JobInfo[])[0].state, 'running');
  assert.equal(fs.readFileSync(path.join(storageDir, 'jobs.json'), 'utf8'), text);
});

test('nothing but log lines follows a job\'s end state', async () => {
  const child = childModule('chatty', `process.send({ type: 'result', result: 1 }); process.send({ type: 'progress', fraction: 0.5 }); process.send({ type: 'error', message: 'late' }); process.send({ type: 'log', level: 'info', message: 'bye' }, () => process.exit(0));`);
  const queue = new JobQueue({ storageDir: path.join(ws.dir, 's5'), childModule: child });
  const { events, ended } = recorder(queue);
  const job = queue.enqueue({ kind: 'selftest' });
  assert.equal((await ended(job.id)).state, 'succeeded');
  await new Promise((r) => setTimeout(r, 200));
  const end = events.findIndex((e) => e.type === 'state' && e.job.state === 'succeeded');
  assert.deepEqual(events.slice(end + 1).map((e) => e.type), ['log'], JSON.stringify(events.slice(end + 1)));
  assert.equal(queue.get(job.id)!.progress, 1);
});

test('a job dropped from the 50 kept takes its log folder with it, and only its own', async () => {
  const storageDir = path.join(ws.dir, 's6');
  const ids = ['../escape', ...Array.from({ length: 54 }, (_, i) => `old-${String(i).padStart(2, '0')}`)];
  for (const id of ids) fs.mkdirSync(path.join(storageDir, 'jobs', id), { recursive: true });
  const jobs = ids.map((id) => ({ id, kind: 'selftest', title: 'T', state: 'succeeded', queuedAt: 't' }));
  fs.writeFileSync(path.join(storageDir, 'jobs.json'), JSON.stringify({ jobs }));
  const child = childModule('quick2', `process.send({ type: 'result', result: 1 }, () => process.exit(0));`);
  const queue = new JobQueue({ storageDir, childModule: child });
  const { ended } = recorder(queue);
  await ended(queue.enqueue({ kind: 'selftest' }).id);
  assert.equal(queue.list().length, 50);
  assert.ok(fs.existsSync(path.join(storageDir, 'escape')), 'a path-like id deletes nothing');
  for (const id of ['old-00', 'old-04']) assert.equal(fs.existsSync(path.join(storageDir, 'jobs', id)), false, id);
  for (const id of ['old-05', 'old-53']) assert.equal(fs.existsSync(path.join(storageDir, 'jobs', id)), true, id);
});

test('backends sharing a storage folder keep their own job lists; a dead one\'s jobs are taken over', () => {
  const storageDir = path.join(ws.dir, 'shared-storage');
  fs.mkdirSync(storageDir);
  const job = (id: string) => ({ id, kind: 'selftest', title: 'T', state: 'running', queuedAt: `2026-01-01T00:00:0${id.length}Z`, startedAt: 't' });
  // The parent of this test process stands in for another live backend (another window).
  const liveFile = path.join(storageDir, `jobs-${process.ppid}.json`);
  const liveText = JSON.stringify({ pid: process.ppid, jobs: [job('live')] });
  fs.writeFileSync(liveFile, liveText);
  // A pid no process has: a backend that crashed.
  const deadPid = 4194300;
  const deadFile = path.join(storageDir, `jobs-${deadPid}.json`);
  fs.writeFileSync(deadFile, JSON.stringify({ pid: deadPid, jobs: [job('dead')] }));
  const queue = new JobQueue({ storageDir });
  assert.deepEqual(queue.list().map((j) => [j.id, j.state]), [['dead', 'failed']]);
  assert.match(queue.get('dead')!.error!, /backend stopped while this job was running/);
  assert.equal(fs.existsSync(deadFile), false, 'the dead backend\'s file is taken over');
  assert.equal(fs.readFileSync(liveFile, 'utf8'), liveText, 'the live backend\'s file is left alone');
  const all = JobQueue.readSaved(storageDir).map((j) => [j.id, j.state]);
  assert.deepEqual(all.sort(), [['dead', 'failed'], ['live', 'running']]);
  queue.dispose();
});
