import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfigFile } from '../../../server/src/lsp/checkFile';
import { tempDir } from '../../helpers/data';
import { makeDataset } from '../../helpers/workspace';

function write(dir: string, cfg: unknown): string {
  const file = path.join(dir, 'u.nnseg.json');
  fs.writeFileSync(file, JSON.stringify(cfg, null, 1));
  return file;
}

test('a repeated item is one error on the repeat itself, for each list the schema marks unique', async () => {
  const ws = tempDir();
  try {
    const file = write(ws.dir, { crossValidation: { folds: [0, 1, 1] }, augmentation: { mirror: { axes: [2, 2] } }, evaluation: { metrics: ['dice', 'iou', 'dice'] } });
    const r = await checkConfigFile(file, { workspaceFolders: [ws.dir] });
    const dup = r.diagnostics.filter((d) => d.code === 'duplicate-item');
    assert.deepEqual(dup.map((d) => d.message), ['1 is listed twice (first at position 2).', '2 is listed twice (first at position 1).', '"dice" is listed twice (first at position 1).']);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (const d of dup) {
      const { start, end } = d.range;
      assert.equal(lines[start.line].slice(start.character, end.character), String(d.message).split(' ')[0]);
    }
    // No second, generic "duplicate items" message from the JSON schema validator.
    assert.ok(!r.diagnostics.some((d) => /duplicate/i.test(String(d.message)) && d.code !== 'duplicate-item'), JSON.stringify(r.diagnostics));
  } finally {
    ws.cleanup();
  }
});

// The timeout is a hang guard, not a speed target: the pairwise check took 80 s on this list.
test('a list of 100k labels is checked for repeats in linear time', { timeout: 60000 }, async () => {
  const ws = tempDir();
  try {
    const labels = Array.from({ length: 100000 }, (_, i) => `l${i}`);
    labels.push('l5');
    const r = await checkConfigFile(write(ws.dir, { evaluation: { labels } }), { workspaceFolders: [ws.dir] });
    assert.deepEqual(r.diagnostics.filter((d) => d.code === 'duplicate-item').map((d) => d.message), ['"l5" is listed twice (first at position 6).']);
  } finally {
    ws.cleanup();
  }
});

test('the patch-size stride check reads the plans where the Plan job writes them (beside the config by default)', async () => {
  const ws = tempDir();
  try {
    await makeDataset(ws.dir);
    const plansDir = path.join(ws.dir, 'preprocessed', 'Dataset001_Liver');
    fs.mkdirSync(plansDir, { recursive: true });
    // An anisotropic plan: axis 0 is never pooled.
    const strides = [[1, 1, 1], [1, 2, 2], [1, 2, 2]];
    fs.writeFileSync(path.join(plansDir, 'nnsegPlans.json'), JSON.stringify({ configurations: { '3d_fullres': { architecture: { arch_kwargs: { strides } } } } }));
    const env = { ...process.env, nnUNet_preprocessed: '', nnUNet_raw: '', nnUNet_results: '' };
    const check = async (patchSize: number[]) => {
      const r = await checkConfigFile(write(ws.dir, { dataset: 'Dataset001_Liver', planning: { patchSize } }), { workspaceFolders: [ws.dir], env });
      return r.diagnostics.filter((d) => d.code === 'patch-stride').map((d) => String(d.message));
    };
    assert.deepEqual(await check([18, 24, 24]), []);
    const bad = await check([18, 24, 26]);
    assert.equal(bad.length, 1);
    assert.match(bad[0], /26 on axis 2 \(stride 4\)/);
  } finally {
    ws.cleanup();
  }
});
