import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../server/src/main';
import { tempDir } from '../../helpers/data';

const ws = tempDir();
after(() => ws.cleanup());

async function check(name: string, text: string): Promise<{ code: number; out: string; err: string; json: { errors: number; diagnostics: { code: string | null; message: string; range: { start: { line: number; character: number } } }[] } }> {
  const file = path.join(ws.dir, name);
  fs.writeFileSync(file, text);
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), cwd: ws.dir, env: process.env };
  const code = await runCli(['check', file, '--json'], io);
  return { code, out, err, json: code === 0 || code === 1 ? JSON.parse(out) : undefined };
}

test('an empty config (or one with only comments) is an error, not "no problems"', async () => {
  for (const text of ['', '  \n', '// nothing yet\n']) {
    const r = await check('empty.nnseg.json', text);
    assert.equal(r.code, 1, JSON.stringify(text));
    assert.equal(r.json.diagnostics[0].code, 'config-empty');
    assert.match(r.json.diagnostics[0].message, /empty.*"dataset"/);
  }
});

test('a config nested thousands of levels deep gets one diagnostic, not an internal error', async () => {
  const r = await check('deep.nnseg.json', `{\n  "dataset": ${'['.repeat(10000)}${']'.repeat(10000)}\n}`);
  assert.equal(r.code, 1, r.err);
  assert.equal(r.err, '');
  assert.equal(r.json.diagnostics.length, 1);
  assert.equal(r.json.diagnostics[0].code, 'config-depth');
  assert.deepEqual(r.json.diagnostics[0].range.start, { line: 1, character: 13 + 63 });
});
