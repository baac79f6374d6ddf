import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompletionRequest } from 'vscode-languageserver-protocol/node';
import { LspTestClient } from '../helpers/lspClient';
import { tempDir } from '../helpers/data';
import { makeDataset } from '../helpers/workspace';
import { CancelJobRequest, JobEventNotification, ListJobsRequest, StartJobRequest, type JobEvent, type JobInfo } from '../../server/src/protocol';

let client: LspTestClient;
let ws: { dir: string; cleanup(): void };
const events: JobEvent[] = [];

const waiters: Array<{ pred: (e: JobEvent) => boolean; resolve: (e: JobEvent) => void }> = [];

// vscode-jsonrpc keeps one handler per method, so one handler records events and wakes the waiters.
function onJobEvent(e: JobEvent): void {
  events.push(e);
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (waiters[i].pred(e)) waiters.splice(i, 1)[0].resolve(e);
  }
}

function waitFor(pred: (e: JobEvent) => boolean, ms = 20000): Promise<JobEvent> {
  const hit = events.find(pred);
  if (hit) return Promise.resolve(hit);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timed out waiting for a job event')), ms);
    waiters.push({ pred, resolve: (e) => { clearTimeout(t); resolve(e); } });
  });
}

const stateOf = (id: string, state: JobInfo['state']) => (e: JobEvent) => e.type === 'state' && e.job.id === id && e.job.state === state;

before(async () => {
  ws = tempDir();
  await makeDataset(ws.dir);
  client = new LspTestClient({ NNSEG_STORAGE: path.join(ws.dir, '.storage') });
  client.conn.onNotification(JobEventNotification, onJobEvent);
  await client.initialize(ws.dir, {}, true);
});

after(async () => {
  await client.close();
  ws.cleanup();
});

test('a job runs in a child process and reports progress, logs, metrics and its result', async () => {
  const { job } = await client.conn.sendRequest(StartJobRequest, { kind: 'selftest', params: { seconds: 1 } });
  assert.ok(['queued', 'running'].includes(job.state));
  const done = (await waitFor(stateOf(job.id, 'succeeded'))) as Extract<JobEvent, { type: 'state' }>;
  assert.deepEqual(done.job.result, { seconds: 1, checksum: true });
  const mine = events.filter((e) => 'jobId' in e && e.jobId === job.id);
  assert.ok(mine.some((e) => e.type === 'progress' && (e.fraction ?? 0) > 0));
  assert.ok(mine.some((e) => e.type === 'log' && /busy for 1 s/.test(e.message)));
  assert.ok(mine.some((e) => e.type === 'metrics'));
  assert.ok(fs.readFileSync(done.job.logFile!, 'utf8').includes('self-test: done'));
  assert.ok(done.job.logFile!.startsWith(path.join(ws.dir, '.storage')), 'logs live in the storage folder');
});

test('clients that support it get LSP work-done progress for a job: begin, reports, end', async () => {
  const seen: { kind: string; percentage?: number; title?: string; cancellable?: boolean }[] = [];
  let token: unknown;
  client.conn.onNotification('$/progress', (p: { token: unknown; value: { kind: string; percentage?: number; title?: string; cancellable?: boolean } }) => {
    // Only this job's progress: the previous job's 'end' may still be on its way.
    if (p.value.kind === 'begin' && /Self-test/.test(p.value.title ?? '')) token ??= p.token;
    if (token !== undefined && p.token === token) seen.push(p.value);
  });
  const { job } = await client.conn.sendRequest(StartJobRequest, { kind: 'selftest', params: { seconds: 1 } });
  await waitFor(stateOf(job.id, 'succeeded'));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(seen[0].kind, 'begin');
  assert.match(seen[0].title!, /nnSeg: Self-test/);
  assert.equal(seen[0].cancellable, true);
  assert.ok(seen.some((v) => v.kind === 'report' && (v.percentage ?? 0) > 0));
  assert.equal(seen[seen.length - 1].kind, 'end');
});

test('one job at a time: the second waits, and cancelling the running one starts the next', async () => {
  const a = (await client.conn.sendRequest(StartJobRequest, { kind: 'selftest', params: { seconds: 30 } })).job;
  const b = (await client.conn.sendRequest(StartJobRequest, { kind: 'selftest', params: { seconds: 0.2 } })).job;
  await waitFor(stateOf(a.id, 'running'));
  const list = (await client.conn.sendRequest(ListJobsRequest)).jobs;
  assert.equal(list.find((j) => j.id === b.id)!.state, 'queued', JSON.stringify(events.filter((e) => e.type !== 'progress' && e.type !== 'metrics').slice(-12)));
  assert.deepEqual(await client.conn.sendRequest(CancelJobRequest, { id: a.id }), { cancelled: true });
  await waitFor(stateOf(a.id, 'cancelled'));
  await waitFor(stateOf(b.id, 'succeeded'));
});

test('completion stays answered while a CPU-heavy job runs', async () => {
  const { job } = await client.conn.sendRequest(StartJobRequest, { kind: 'selftest', params: { seconds: 3 } });
  await waitFor(stateOf(job.id, 'running'));
  const file = path.join(ws.dir, 'x.nnseg.json');
  await client.open(file, '{\n  \n}\n');
  const r = await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: pathToFileURL(file).toString() }, position: { line: 1, character: 2 } });
  assert.ok((Array.isArray(r) ? r : r!.items).some((i) => i.label === 'dataset'));
  await client.conn.sendRequest(CancelJobRequest, { id: job.id });
  await waitFor(stateOf(job.id, 'cancelled'));
});

test('a job whose process dies is reported failed with the reason', async () => {
  const { job } = await client.conn.sendRequest(StartJobRequest, { kind: 'selftest', params: { seconds: 30 } });
  await waitFor((e) => e.type === 'log' && e.jobId === job.id && /process (\d+)/.test(e.message));
  const started = events.find((e) => e.type === 'log' && e.jobId === job.id && /process (\d+)/.test(e.message)) as Extract<JobEvent, { type: 'log' }>;
  process.kill(Number(/process (\d+)/.exec(started.message)![1]), 'SIGKILL');
  const failed = (await waitFor(stateOf(job.id, 'failed'))) as Extract<JobEvent, { type: 'state' }>;
  assert.match(failed.job.error!, /killed by SIGKILL/);
});

test('a job that throws fails with its one-sentence error', async () => {
  const { job } = await client.conn.sendRequest(StartJobRequest, { kind: 'selftest', params: { seconds: 0.1, fail: 'boom' } });
  const failed = (await waitFor(stateOf(job.id, 'failed'))) as Extract<JobEvent, { type: 'state' }>;
  assert.equal(failed.job.error, 'internal error: boom');
});

test('a job started with an invalid config is refused with the first error', async () => {
  const file = path.join(ws.dir, 'bad.nnseg.json');
  fs.writeFileSync(file, '{\n  "dataset": "Dataset001_Liver",\n  "loss": { "ceWeight": -1 }\n}\n');
  await assert.rejects(client.conn.sendRequest(StartJobRequest, { kind: 'plan', configUri: pathToFileURL(file).toString() }), /bad\.nnseg\.json:3: .*(minimum|below)/i);
});

test('an unknown job kind is refused', async () => {
  await assert.rejects(client.conn.sendRequest(StartJobRequest, { kind: 'nope' as never }), /Unknown job kind/);
  await assert.rejects(client.conn.sendRequest(StartJobRequest, { kind: 'constructor' as never }), /Unknown job kind 'constructor'/);
});

test('an untrusted workspace gets language features but no jobs', async () => {
  const untrusted = new LspTestClient({ NNSEG_STORAGE: path.join(ws.dir, '.storage2') });
  try {
    await untrusted.initialize(ws.dir, { trusted: false });
    await assert.rejects(untrusted.conn.sendRequest(StartJobRequest, { kind: 'selftest' }), /not trusted/);
    const d = await untrusted.open(path.join(ws.dir, 'u.nnseg.json'), '{ "dataset": 1 }');
    assert.equal(d.diagnostics.length, 1);
  } finally {
    await untrusted.close();
  }
});

test('a backend killed mid-job: the restarted backend reports that job as failed, with why', async () => {
  const storage = path.join(ws.dir, '.storage3');
  const first = new LspTestClient({ NNSEG_STORAGE: storage });
  await first.initialize(ws.dir);
  const { job } = await first.conn.sendRequest(StartJobRequest, { kind: 'selftest', params: { seconds: 30 } });
  await new Promise((r) => setTimeout(r, 500));
  first.proc.kill('SIGKILL');
  await new Promise((r) => first.proc.once('exit', r));
  first.conn.dispose();
  const second = new LspTestClient({ NNSEG_STORAGE: storage });
  try {
    await second.initialize(ws.dir);
    const jobs = (await second.conn.sendRequest(ListJobsRequest)).jobs;
    const j = jobs.find((x) => x.id === job.id)!;
    assert.equal(j.state, 'failed');
    assert.match(j.error!, /backend stopped while this job was running/);
  } finally {
    await second.close();
  }
});
