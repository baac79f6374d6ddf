// `nnseg nifti-info FILE [--json]`: exactly the fields, nibabel's numbers, exit codes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runCli } from '../../../server/src/main';
import type { CliIO } from '../../../server/src/cli/command';
import { cliPath, corpusFile, skipNoCorpus } from '../../helpers/data';
import { assertClose, assertMatClose, loadExpectations, num } from './expectations';

function capture(): CliIO & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out(t: string) { io.stdout += t; }, err(t: string) { io.stderr += t; }, cwd: process.cwd(), env: process.env };
  return io;
}

const FIELDS = ['file', 'version', 'datatype', 'datatypeCode', 'littleEndian', 'dim', 'pixdim', 'sclSlope', 'sclInter', 'qformCode', 'sformCode', 'affine', 'affineSource', 'orientation', 'stats'];
const STATS = ['min', 'max', 'sum', 'mean', 'count', 'nonFinite'];
const expectations = loadExpectations();

for (const rel of ['gh-totalsegmentator/example_ct_sm.nii.gz', 'gh-nifti-reader-js/avg152T1_LR_nifti2.nii.gz', 'gh-nibabel/someones_epi.nii.gz', 'gh-niivue/Conte69.MyelinAndCorrThickness.32k_fs_LR.dtseries.nii', 'gh-niivue/fslmean.nii.gz']) {
  test(`nifti-info --json ${rel}`, { skip: skipNoCorpus }, async () => {
    const io = capture();
    const file = corpusFile(rel);
    assert.equal(await runCli(['nifti-info', file, '--json'], io), 0, io.stderr);
    const info = JSON.parse(io.stdout);
    assert.deepEqual(Object.keys(info), FIELDS);
    assert.deepEqual(Object.keys(info.stats), STATS);
    const e = expectations.find((x) => x.file === rel)!;
    assert.equal(info.file, file);
    assert.equal(info.version, e.version);
    assert.equal(info.datatypeCode, e.datatypeCode);
    assert.equal(typeof info.datatype, 'string');
    assert.equal(info.littleEndian, e.littleEndian);
    assert.deepEqual(info.dim, e.dim);
    assert.deepEqual(info.pixdim, e.pixdim.map(num));
    assert.equal(info.qformCode, e.qformCode);
    assert.equal(info.sformCode, e.sformCode);
    assertMatClose(info.affine, e.affine, 1e-6, 'affine');
    assert.equal(info.affineSource, e.affineSource);
    assert.equal(info.orientation, e.orientation);
    for (const k of ['count', 'nonFinite', 'min', 'max'] as const) assert.equal(info.stats[k], e.stats![k], k);
    assertClose(info.stats.sum, e.stats!.sum, 1e-9, 'sum');
    assertClose(info.stats.mean, e.stats!.mean!, 1e-9, 'mean');
  });
}

test('nifti-info prints a readable summary without --json, stats null for RGB', { skip: skipNoCorpus }, async () => {
  const io = capture();
  assert.equal(await runCli(['nifti-info', corpusFile('gh-totalsegmentator/example_ct_sm.nii.gz')], io), 0);
  assert.match(io.stdout, /NIfTI-1, little-endian, int16 \(code 4\), 122 x 101 x 30/);
  assert.match(io.stdout, /orientation RAS, affine from sform/);
  assert.match(io.stdout, /min -1100 max 1207/);
  const rgb = capture();
  assert.equal(await runCli(['nifti-info', corpusFile('gh-niivue/ct_perfusion.nii.gz'), '--json'], rgb), 0);
  assert.equal(JSON.parse(rgb.stdout).stats, null);
});

test('nifti-info usage errors exit 2, unreadable files exit 1', () => {
  const none = spawnSync(process.execPath, [cliPath, 'nifti-info'], { encoding: 'utf8' });
  assert.equal(none.status, 2);
  const missing = spawnSync(process.execPath, [cliPath, 'nifti-info', '/no/such/file.nii.gz', '--json'], { encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.equal(missing.stdout, '');
  assert.equal(missing.stderr, 'nnseg: /no/such/file.nii.gz cannot be opened (no such file).\n');
});
