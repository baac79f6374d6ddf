import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DidCloseTextDocumentNotification, DidOpenTextDocumentNotification, PublishDiagnosticsNotification, WorkDoneProgressCreateRequest, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { LspTestClient } from '../helpers/lspClient';
import { tempDir } from '../helpers/data';
import { makeDataset } from '../helpers/workspace';
import { JobEventNotification, ServerInfoRequest, StartJobRequest, type JobEvent } from '../../server/src/protocol';

let ws: { dir: string; cleanup(): void };

before(() => {
  ws = tempDir();
});

after(() => ws.cleanup());

/** `p`, or a failure naming the crash when the server process exits first (or nothing comes in 15 s). */
function orCrash<T>(client: LspTestClient, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    client.proc.once('exit', (code, signal) => reject(new Error(`the server exited (${code ?? signal}): ${client.stderr.slice(-400)}`)));
    timer = setTimeout(() => reject(new Error('timed out')), 15000);
  });
  return Promise.race([p, failed]).finally(() => clearTimeout(timer));
}

test('a document URI with a malformed %-escape does not stop the server', async () => {
  const client = new LspTestClient({ NNSEG_STORAGE: path.join(ws.dir, '.storage1') });
  try {
    await client.initialize(ws.dir);
    const uri = `file://${path.join(ws.dir, 'bad%E0.nnseg.json')}`;
    const published = client.nextDiagnostics(uri);
    await client.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'jsonc', version: 1, text: '{ "dataset": 1 }' } });
    assert.equal((await orCrash(client, published)).diagnostics.length, 1);
    assert.equal((await client.conn.sendRequest(ServerInfoRequest)).jobsAllowed, true);
  } finally {
    await client.close();
  }
});

test('an unsaved document in our language gets diagnostics', async () => {
  const client = new LspTestClient({ NNSEG_STORAGE: path.join(ws.dir, '.storage2') });
  try {
    await client.initialize(ws.dir);
    const uri = 'untitled:Untitled-1';
    const published = client.nextDiagnostics(uri);
    await client.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'nnseg-config', version: 1, text: '{ "dataset": 1 }' } });
    const d = await orCrash(client, published);
    assert.equal(d.diagnostics.length, 1);
    assert.match(String(d.diagnostics[0].message), /string/i);
  } finally {
    await client.close();
  }
});

test('a client that refuses to create a progress bar still gets its job run, and the server lives on', async () => {
  const client = new LspTestClient({ NNSEG_STORAGE: path.join(ws.dir, '.storage3') });
  const events: JobEvent[] = [];
  try {
    client.conn.onRequest(WorkDoneProgressCreateRequest.type, () => {
      throw new Error('no progress here');
    });
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    client.conn.onNotification(JobEventNotification, (e) => {
      events.push(e);
      if (e.type === 'state' && e.job.state === 'succeeded') done();
    });
    await client.initialize(ws.dir, {}, true);
    await client.conn.sendRequest(StartJobRequest, { kind: 'selftest', params: { seconds: 0.2 } });
    await orCrash(client, finished);
    assert.equal((await client.conn.sendRequest(ServerInfoRequest)).jobsAllowed, true);
    assert.ok(events.some((e) => e.type === 'progress'));
  } finally {
    await client.close();
  }
});

test('a job that ends before its progress bar exists still ends the progress bar', async () => {
  const client = new LspTestClient({ NNSEG_STORAGE: path.join(ws.dir, '.storage4') });
  const values: { token: unknown; kind: string }[] = [];
  try {
    // The client answers progress creation only after the job is over.
    let release!: () => void;
    const jobOver = new Promise<void>((r) => (release = r));
    client.conn.onRequest(WorkDoneProgressCreateRequest.type, async () => {
      await jobOver;
    });
    client.conn.onNotification('$/progress', (p: { token: unknown; value: { kind: string } }) => void values.push({ token: p.token, kind: p.value.kind }));
    client.conn.onNotification(JobEventNotification, (e) => {
      if (e.type === 'state' && e.job.state === 'succeeded') release();
    });
    await client.initialize(ws.dir, {}, true);
    await client.conn.sendRequest(StartJobRequest, { kind: 'selftest', params: { seconds: 0.1 } });
    await orCrash(client, jobOver);
    await orCrash(client, new Promise((r) => setTimeout(r, 300)));
    assert.deepEqual(
      values.map((v) => v.kind),
      ['begin', 'end'],
    );
    assert.equal(values[0].token, values[1].token);
  } finally {
    await client.close();
  }
});

test('a config closed and reopened while its dataset check runs shows the reopened text\'s diagnostics', async () => {
  const dir = await makeDataset(ws.dir, 'Dataset003_Slow');
  // More cases: the background check outlasts the close and reopen below.
  for (let i = 2; i < 40; i++) {
    const id = `case_${String(i).padStart(3, '0')}`;
    fs.copyFileSync(path.join(dir, 'imagesTr', 'case_000_0000.nii.gz'), path.join(dir, 'imagesTr', `${id}_0000.nii.gz`));
    fs.copyFileSync(path.join(dir, 'labelsTr', 'case_000.nii.gz'), path.join(dir, 'labelsTr', `${id}.nii.gz`));
  }
  const client = new LspTestClient({ NNSEG_STORAGE: path.join(ws.dir, '.storage5') });
  try {
    await client.initialize(ws.dir);
    const uri = pathToFileURL(path.join(ws.dir, 'reopen.nnseg.json')).toString();
    const all: PublishDiagnosticsParams[] = [];
    client.conn.onNotification(PublishDiagnosticsNotification.type, (p) => void (p.uri === uri && all.push(p)));
    const open = (text: string) => client.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'jsonc', version: 1, text } });
    await open('{ "dataset": "Dataset003_Slow", "loss": { "diceWeight": "x" } }');
    await client.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    await open('{ "dataset": 1 }');
    await orCrash(client, new Promise((r) => setTimeout(r, 2000)));
    const last = all[all.length - 1];
    assert.equal(last.diagnostics.length, 1, JSON.stringify(all.map((p) => p.diagnostics.map((d) => d.message))));
    assert.equal(last.diagnostics[0].range.start.character, '{ "dataset": '.length);
  } finally {
    await client.close();
  }
});
