import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../server/src/main';
import type { CliIO } from '../../../server/src/cli/command';
import { corpusFile, repoRoot, skipNoCorpus, tempDir } from '../../helpers/data';

const fixtures = path.join(repoRoot, 'test', 'unit', 'evaluation', 'fixtures');
const tmp = tempDir('nnseg-evalcli-');
after(() => tmp.cleanup());

function capture(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    cwd: process.cwd(),
    env: process.env,
  };
  return io;
}

const keys = ['tp', 'fp', 'fn', 'tn', 'dice', 'iou', 'sensitivity', 'specificity', 'hd95', 'hd99_9', 'hd100', 'assd', 'refVolumeMm3', 'predVolumeMm3', 'empty'];

test('nnseg metrics --json prints {"labels": {...}} with the documented keys, null where undefined', async () => {
  const io = capture();
  const code = await runCli(['metrics', '--ref', path.join(fixtures, 'gen_ref.nii.gz'), '--pred', path.join(fixtures, 'gen_pred.nii.gz'), '--labels', '1,4,9', '--json'], io);
  assert.equal(code, 0, io.stderr);
  const out = JSON.parse(io.stdout);
  assert.deepEqual(Object.keys(out), ['labels']);
  assert.deepEqual(Object.keys(out.labels), ['1', '4', '9']);
  for (const l of ['1', '4', '9']) assert.deepEqual(Object.keys(out.labels[l]), keys);
  assert.equal(out.labels['9'].dice, null);
  assert.equal(out.labels['9'].hd95, null);
  assert.equal(out.labels['9'].empty, 'both');
  const want = JSON.parse(fs.readFileSync(path.join(fixtures, 'scipy_gen.json'), 'utf8')).max['4'];
  assert.ok(Math.abs(out.labels['4'].hd95 - want.hd95) < 1e-6);
  const pooled = capture();
  await runCli(['metrics', '--ref', path.join(fixtures, 'gen_ref.nii.gz'), '--pred', path.join(fixtures, 'gen_pred.nii.gz'), '--labels', '4', '--hd-mode', 'pooled', '--json'], pooled);
  const wantPooled = JSON.parse(fs.readFileSync(path.join(fixtures, 'scipy_gen.json'), 'utf8')).pooled['4'];
  assert.ok(Math.abs(JSON.parse(pooled.stdout).labels['4'].hd95 - wantPooled.hd95) < 1e-6);
});

test('nnseg metrics: human table, and one-sentence errors naming both files for another grid', { skip: skipNoCorpus }, async () => {
  const io = capture();
  assert.equal(await runCli(['metrics', '--ref', path.join(fixtures, 'gen_ref.nii.gz'), '--pred', path.join(fixtures, 'gen_pred.nii.gz')], io), 0);
  assert.match(io.stdout, /label\s+Dice\s+IoU\s+Sens\s+Spec\s+HD95\s+HD99\.9\s+HD100\s+ASSD/);
  const bad = capture();
  assert.equal(await runCli(['metrics', '--ref', path.join(fixtures, 'gen_ref.nii.gz'), '--pred', corpusFile('gh-niivue/aal.nii.gz')], bad), 1);
  assert.match(bad.stderr, /^nnseg: .*aal\.nii\.gz is not on the grid of .*gen_ref\.nii\.gz: shapes differ: 40x52x60 vs 181x217x181; spacings differ/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const usage = capture();
  assert.equal(await runCli(['metrics', '--ref', 'x.nii.gz'], usage), 2);
  assert.equal(await runCli(['metrics', '--ref', 'a', '--pred', 'b', '--labels', '1,x'], usage), 2);
  assert.match(usage.stderr, /--labels takes positive integer label values/);
  const missing = capture();
  assert.equal(await runCli(['metrics', '--ref', path.join(tmp.dir, 'nope.nii.gz'), '--pred', path.join(fixtures, 'gen_pred.nii.gz')], missing), 1);
  assert.match(missing.stderr, /nope\.nii\.gz/);
});

test('nnseg evaluate and nnseg compare from the command line', { skip: skipNoCorpus }, async () => {
  const ref = path.join(tmp.dir, 'ref');
  const pred = path.join(tmp.dir, 'pred');
  fs.mkdirSync(ref);
  fs.mkdirSync(pred);
  fs.copyFileSync(corpusFile('gh-totalsegmentator/example_seg.nii.gz'), path.join(ref, 'ct.nii.gz'));
  fs.copyFileSync(corpusFile('gh-totalsegmentator/example_seg_fast.nii.gz'), path.join(pred, 'ct.nii.gz'));
  const ev = capture();
  assert.equal(await runCli(['evaluate', '--ref', ref, '--pred', pred, '--labels', '1,2,5', '--workers', '1', '--json'], ev), 0, ev.stderr);
  const e = JSON.parse(ev.stdout);
  assert.equal(e.n_cases, 1);
  assert.ok(fs.existsSync(path.join(pred, 'summary.json')));
  assert.ok(e.mean['5'].Dice > 0.9);
  const cmp = capture();
  const out = path.join(tmp.dir, 'cmp');
  assert.equal(await runCli(['compare', '--ref', ref, '--pred', `TS=${pred}:totalsegmentator-ml`, '--pred', `copy=${ref}`, '--labels', '1,2,5', '--out', out], cmp), 0, cmp.stderr);
  assert.match(cmp.stdout, /Comparison: TS vs copy: 1 paired cases, 3 labels/);
  assert.match(cmp.stdout, /Dice\s+0\.9\d+ ± 0\.0000\s+1\.0000 ± 0\.0000/);
  for (const f of ['report.html', 'report.md', 'report.json']) assert.ok(fs.existsSync(path.join(out, f)), f);
  const bad = capture();
  assert.equal(await runCli(['compare', '--ref', ref, '--pred', `TS=${pred}:nifti`], bad), 2);
  assert.match(bad.stderr, /unknown format 'nifti'/);
});
