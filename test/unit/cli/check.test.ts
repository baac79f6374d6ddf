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
  return { code, out, err, json: out ? JSON.parse(out) : { errors: -1, diagnostics: [] } };
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

test('a dataset.json that is not an object, or plans with broken strides, are diagnostics, not internal errors', async () => {
  const ds = path.join(ws.dir, 'Dataset009_Odd');
  for (const d of ['imagesTr', 'labelsTr']) fs.mkdirSync(path.join(ds, d), { recursive: true });
  for (const text of ['null', '[1, 2]', '"labels"']) {
    fs.writeFileSync(path.join(ds, 'dataset.json'), text);
    const r = await check('odd.nnseg.json', JSON.stringify({ dataset: 'Dataset009_Odd' }));
    assert.equal(r.code, 1, `${text}: ${r.err}`);
    assert.equal(r.json.diagnostics[0].code, 'dataset-invalid');
    assert.match(r.json.diagnostics[0].message, /dataset\.json is not a JSON object/);
  }
  fs.writeFileSync(path.join(ds, 'dataset.json'), JSON.stringify({ channel_names: { 0: 'CT' }, labels: { background: 0, a: 1 }, numTraining: 0, file_ending: '.nii.gz' }));
  fs.mkdirSync(path.join(ws.dir, 'pre', 'Dataset009_Odd'), { recursive: true });
  for (const strides of [[null], [[1, 1, 1], 'x'], 7, [[1, 2]]]) {
    fs.writeFileSync(path.join(ws.dir, 'pre', 'Dataset009_Odd', 'nnsegPlans.json'), JSON.stringify({ configurations: { '3d_fullres': { architecture: { arch_kwargs: { strides } } } } }));
    const r = await check('odd.nnseg.json', JSON.stringify({ dataset: 'Dataset009_Odd', preprocessedDir: 'pre', planning: { patchSize: [100, 128, 128] } }));
    assert.equal(r.err, '', JSON.stringify(strides));
    // Unusable strides: the planner's rule decides (16 on a 100-voxel axis).
    assert.match(r.json.diagnostics.map((d) => d.message).join('\n'), /100 on axis 0 \(stride 16\).*assuming the planner/, JSON.stringify(strides));
  }
});
