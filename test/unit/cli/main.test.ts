import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runCli } from '../../../server/src/main';
import type { CliIO } from '../../../server/src/cli/command';
import { cliPath } from '../../helpers/data';

function capture(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) { io.stdout += t; },
    err(t: string) { io.stderr += t; },
    cwd: process.cwd(),
    env: process.env,
  };
  return io;
}

test('--help lists every command and exits 0', async () => {
  const io = capture();
  assert.equal(await runCli(['--help'], io), 0);
  for (const name of ['check', 'lsp', 'nifti-info', 'plan', 'metrics', 'compare']) assert.match(io.stdout, new RegExp(`\\b${name}\\b`));
});

test('an unknown command is a usage error (exit 2) with one sentence on stderr', async () => {
  const io = capture();
  assert.equal(await runCli(['frobnicate'], io), 2);
  assert.equal(io.stdout, '');
  assert.match(io.stderr, /^nnseg: Unknown command 'frobnicate'\./);
  assert.equal(io.stderr.trim().split('\n').length, 1);
});

test('an unknown option is a usage error that shows the usage', async () => {
  const io = capture();
  assert.equal(await runCli(['lsp', '--no-such-flag'], io), 2);
  assert.match(io.stderr, /Usage: nnseg lsp/);
});

test('lsp without a transport is a usage error, not an internal one', async () => {
  const io = capture();
  assert.equal(await runCli(['lsp'], io), 2);
  assert.match(io.stderr, /^nnseg: Say how the editor talks to the server\. Usage: nnseg lsp --stdio/);
});

test('the bin entry prints the package version', () => {
  const r = spawnSync(process.execPath, [cliPath, '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('a job kind that is only an Object property (constructor) is an unknown kind, not a crash', async () => {
  const io = capture();
  assert.equal(await runCli(['jobs', 'run', 'constructor'], io), 2);
  assert.match(io.stderr, /^nnseg: Unknown job kind 'constructor'; kinds: check, /);
});

test('each command module has the summary the top-level help lists (written in two places for lazy loading)', () => {
  const { commands } = require('../../../server/src/cli/commands') as typeof import('../../../server/src/cli/commands');
  for (const c of commands) {
    const m = c.load().default;
    assert.equal(m.name, c.name);
    assert.equal(m.summary, c.summary, c.name);
  }
});
