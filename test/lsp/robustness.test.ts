import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { DidOpenTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import { LspTestClient } from '../helpers/lspClient';
import { tempDir } from '../helpers/data';
import { ServerInfoRequest } from '../../server/src/protocol';

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
