import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeNifti } from '../../../server/src/engine/io';
import { evaluateFolders } from '../../../server/src/engine/evaluation/evaluate';
import { metricsForFiles } from '../../../server/src/engine/evaluation/metricsFiles';
import { readLabelFile } from '../../../server/src/engine/evaluation/labelFile';
import type { Summary } from '../../../server/src/engine/evaluation/summary';
import { repoRoot, tempDir } from '../../helpers/data';

const fixtures = path.join(repoRoot, 'test', 'unit', 'evaluation', 'fixtures');
const tmp = tempDir('nnseg-eval-');
after(() => tmp.cleanup());

/** A small nnU-Net style layout: ref/ and pred/ with three cases from the generated fixtures, dataset.json. */
async function makeDataset(root: string): Promise<{ ref: string; pred: string; dataset: string }> {
  const ref = path.join(root, 'labelsTr');
  const pred = path.join(root, 'pred');
  fs.mkdirSync(ref, { recursive: true });
  fs.mkdirSync(pred, { recursive: true });
  const r = await readLabelFile(path.join(fixtures, 'gen_ref.nii.gz'));
  const p = await readLabelFile(path.join(fixtures, 'gen_pred.nii.gz'));
  const flip = (a: ArrayLike<number>) => Uint8Array.from(a, (v) => (v === 1 ? 2 : v === 2 ? 1 : v));
  const cases: [string, ArrayLike<number>, ArrayLike<number>][] = [
    ['c1', r.data, p.data],
    ['c2', r.data, r.data],
    ['c3', r.data, flip(p.data)],
  ];
  for (const [id, a, b] of cases) {
    await writeNifti(path.join(ref, `${id}.nii.gz`), { data: Uint8Array.from(a), shape: r.shape }, { kind: 'label', reference: r.volume.header });
    await writeNifti(path.join(pred, `${id}.nii.gz`), { data: Uint8Array.from(b), shape: r.shape }, { kind: 'label', reference: r.volume.header });
  }
  const dataset = path.join(root, 'dataset.json');
  const labels = { background: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 };
  fs.writeFileSync(dataset, JSON.stringify({ channel_names: { '0': 'CT' }, labels, numTraining: 3, file_ending: '.nii.gz' }));
  return { ref, pred, dataset };
}

test('evaluateFolders writes nnU-Net summary.json: per case, mean per label, foreground mean, plus HD fields', async () => {
  const d = await makeDataset(path.join(tmp.dir, 'ok'));
  const res = await evaluateFolders({ ref: d.ref, pred: d.pred, datasetJson: d.dataset, workers: 2 });
  assert.deepEqual(res.problems, []);
  assert.equal(res.summaryFile, path.join(d.pred, 'summary.json'));
  const s = JSON.parse(fs.readFileSync(res.summaryFile!, 'utf8')) as Summary;
  assert.equal(s.metric_per_case.length, 3);
  assert.deepEqual(Object.keys(s.mean), ['1', '2', '3', '4', '5', '6']);
  for (const k of ['Dice', 'IoU', 'FP', 'TP', 'FN', 'TN', 'n_pred', 'n_ref', 'HD95', 'HD99_9', 'HD100', 'ASSD', 'Sensitivity', 'Specificity']) assert.ok(k in s.mean['1'], k);
  // case c2 is a perfect prediction
  const c2 = s.metric_per_case.find((c) => c.case === 'c2')!;
  assert.equal(c2.metrics['3'].Dice, 1);
  assert.equal(c2.metrics['3'].HD95, 0);
  // the per-case values are metricsForFiles' values
  const c1 = s.metric_per_case.find((c) => c.case === 'c1')!;
  const direct = await metricsForFiles(path.join(d.ref, 'c1.nii.gz'), path.join(d.pred, 'c1.nii.gz'));
  for (const l of ['1', '4']) {
    assert.equal(c1.metrics[l].Dice, direct.labels[l].dice);
    assert.equal(c1.metrics[l].HD95, direct.labels[l].hd95);
  }
  // mean = mean over cases; foreground mean = mean over labels of the means
  for (const l of Object.keys(s.mean)) {
    const vals = s.metric_per_case.map((c) => c.metrics[l].Dice).filter((v): v is number => v !== null);
    assert.ok(Math.abs(s.mean[l].Dice! - vals.reduce((a, b) => a + b, 0) / vals.length) < 1e-12);
  }
  const fg = Object.values(s.mean).map((e) => e.HD95!);
  assert.ok(Math.abs(s.foreground_mean.HD95! - fg.reduce((a, b) => a + b, 0) / fg.length) < 1e-12);
  assert.equal(s.labels['3'], 'three');
  // one thread gives the same numbers as two
  const single = await evaluateFolders({ ref: d.ref, pred: d.pred, datasetJson: d.dataset, workers: 1, out: null });
  assert.deepEqual(single.summary.mean, s.mean);
});

test('bad input: missing cases, another grid, unknown labels are listed and the rest is still written', async () => {
  const d = await makeDataset(path.join(tmp.dir, 'bad'));
  fs.rmSync(path.join(d.pred, 'c3.nii.gz'));
  fs.copyFileSync(path.join(d.pred, 'c1.nii.gz'), path.join(d.pred, 'extra.nii.gz'));
  // c2's prediction on another grid (spacing)
  const r = await readLabelFile(path.join(d.ref, 'c2.nii.gz'));
  await writeNifti(path.join(d.pred, 'c2.nii.gz'), { data: Uint8Array.from(r.data), shape: r.shape }, { kind: 'label', reference: r.volume.header, spacing: [2, 1, 1] });
  // c1's prediction has a label value the dataset does not define
  const p = await readLabelFile(path.join(d.pred, 'c1.nii.gz'));
  const data = Uint8Array.from(p.data);
  data[0] = 9;
  await writeNifti(path.join(d.pred, 'c1.nii.gz'), { data, shape: p.shape }, { kind: 'label', reference: p.volume.header });
  const out = path.join(tmp.dir, 'bad', 'summary.json');
  const res = await evaluateFolders({ ref: d.ref, pred: d.pred, datasetJson: d.dataset, out, workers: 2 });
  const kinds = res.problems.map((x) => x.kind).sort();
  assert.deepEqual(kinds, ['grid-mismatch', 'missing-prediction', 'missing-reference', 'unknown-label']);
  const grid = res.problems.find((x) => x.kind === 'grid-mismatch')!;
  assert.match(grid.message, /pred\/c2\.nii\.gz is not on the grid of .*labelsTr\/c2\.nii\.gz: spacings differ/);
  assert.match(res.problems.find((x) => x.kind === 'missing-prediction')!.message, /c3\.nii\.gz has no prediction/);
  assert.match(res.problems.find((x) => x.kind === 'unknown-label')!.message, /c1\.nii\.gz contains label value 9, not in dataset\.json/);
  const s = JSON.parse(fs.readFileSync(out, 'utf8')) as Summary;
  assert.deepEqual(s.metric_per_case.map((c) => c.case), ['c1']);
  assert.equal(s.problems.length, 4);
});

test('without dataset.json the labels are every value found, and cases lacking one get both-empty entries', async () => {
  const d = await makeDataset(path.join(tmp.dir, 'nods'));
  const res = await evaluateFolders({ ref: d.ref, pred: d.pred, out: null, labels: [1, 6, 7] });
  const c2 = res.summary.metric_per_case.find((c) => c.case === 'c2')!;
  assert.equal(c2.metrics['7'].Dice, null);
  assert.equal(c2.metrics['7'].empty, 'both');
  assert.equal(res.summary.mean['7'].Dice, null);
  assert.equal(res.summary.foreground_mean.Dice, null); // nnU-Net's np.mean over label means propagates NaN
  const all = await evaluateFolders({ ref: d.ref, pred: d.pred, out: null, distances: false });
  assert.deepEqual(Object.keys(all.summary.mean), ['1', '2', '3', '4', '5', '6']);
  assert.equal(all.summary.mean['1'].HD95, null);
});

test('evaluateFolders reports progress per case and stops when cancelled', async () => {
  const d = await makeDataset(path.join(tmp.dir, 'ctx'));
  const seen: string[] = [];
  const ctrl = new AbortController();
  const ctx = { log() {}, metrics() {}, signal: ctrl.signal, progress: (_f: number | undefined, m?: string) => seen.push(m ?? '') };
  await evaluateFolders({ ref: d.ref, pred: d.pred, out: null, workers: 2, distances: false }, ctx);
  assert.deepEqual(seen, ['case 0/3', 'case 1/3', 'case 2/3', 'case 3/3']);
  ctrl.abort();
  await assert.rejects(evaluateFolders({ ref: d.ref, pred: d.pred, out: null, workers: 1 }, ctx), /Cancelled/);
  await assert.rejects(evaluateFolders({ ref: d.ref, pred: d.pred, out: null, workers: 2 }, ctx), /Cancelled/);
  // cancelled while the workers run
  const mid = new AbortController();
  const midCtx = { log() {}, metrics() {}, signal: mid.signal, progress: (_f: number | undefined, m?: string) => m === 'case 1/3' && mid.abort() };
  await assert.rejects(evaluateFolders({ ref: d.ref, pred: d.pred, out: null, workers: 2 }, midCtx), /Cancelled/);
});
