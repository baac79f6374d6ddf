import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNifti, writeNifti } from '../../../server/src/engine/io';
import { compareMethods, parseMethodSpec } from '../../../server/src/engine/evaluation/compare';
import type { ComparisonReport } from '../../../server/src/engine/evaluation/comparison';
import { labelTableOf } from '../../../server/src/engine/evaluation/labelFile';
import { metricsForFiles } from '../../../server/src/engine/evaluation/metricsFiles';
import { corpusFile, skipNoCorpus, tempDir } from '../../helpers/data';

const tmp = tempDir('nnseg-compare-');
after(() => tmp.cleanup());
const SEG = 'gh-totalsegmentator/example_seg.nii.gz';
const FAST = 'gh-totalsegmentator/example_seg_fast.nii.gz';

test('the label table TotalSegmentator --ml writes (extension code 0, CaretExtension XML) is read', { skip: skipNoCorpus }, async () => {
  const v = await readNifti(corpusFile(SEG), { raw: true });
  const t = labelTableOf(v.header)!;
  assert.ok(t, 'a table');
  assert.equal(t.get(1), 'spleen');
  assert.equal(t.get(5), 'liver');
  assert.ok(t.size > 100, `${t.size} classes`);
  assert.equal(labelTableOf((await readNifti(corpusFile('gh-niivue/aal.nii.gz'), { raw: true })).header), null);
});

test('parseMethodSpec: NAME=DIR[:FORMAT]', () => {
  assert.deepEqual(parseMethodSpec('nnSeg=out/pred'), { name: 'nnSeg', dir: 'out/pred', format: 'labelmap' });
  assert.deepEqual(parseMethodSpec('TS=/data/ts:totalsegmentator'), { name: 'TS', dir: '/data/ts', format: 'totalsegmentator' });
  assert.deepEqual(parseMethodSpec('TS ml=C:\\ts:totalsegmentator-ml'), { name: 'TS ml', dir: 'C:\\ts', format: 'totalsegmentator-ml' });
  assert.throws(() => parseMethodSpec('just-a-dir'), /NAME=DIR/);
  assert.throws(() => parseMethodSpec('a=/x:nifti'), /unknown format 'nifti'/);
});

test('TotalSegmentator example_seg vs example_seg_fast through compare, in all three formats', { skip: skipNoCorpus }, async () => {
  const root = path.join(tmp.dir, 'ts');
  const dirs = { ref: path.join(root, 'ref'), same: path.join(root, 'same'), ml: path.join(root, 'ml'), folder: path.join(root, 'folder', 'ct1') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.copyFileSync(corpusFile(SEG), path.join(dirs.ref, 'ct1.nii.gz'));
  fs.copyFileSync(corpusFile(SEG), path.join(dirs.same, 'ct1.nii.gz'));
  fs.copyFileSync(corpusFile(FAST), path.join(dirs.ml, 'ct1.nii.gz'));
  // TotalSegmentator's default layout: <case>/<class>.nii.gz, one binary mask per class (gallbladder left out,
  // one class the dataset does not know added)
  const fast = await readNifti(corpusFile(FAST), { raw: true });
  const table = labelTableOf(fast.header)!;
  for (const v of [1, 2, 3, 5, 6, 7]) {
    const mask = Uint8Array.from(fast.data as Uint8Array, (x) => (x === v ? 1 : 0));
    await writeNifti(path.join(dirs.folder, `${table.get(v)}.nii.gz`), { data: mask, shape: fast.shape }, { kind: 'label', reference: fast.header });
  }
  await writeNifti(path.join(dirs.folder, 'not_a_structure.nii.gz'), { data: new Uint8Array(fast.data.length), shape: fast.shape }, { kind: 'label', reference: fast.header });

  const out = path.join(root, 'report');
  const res = await compareMethods({
    ref: dirs.ref,
    methods: [
      { name: 'nnSeg', dir: dirs.same, format: 'labelmap' },
      { name: 'TS fast (ml)', dir: dirs.ml, format: 'totalsegmentator-ml' },
      { name: 'TS fast (folder)', dir: path.dirname(dirs.folder), format: 'totalsegmentator' },
    ],
    labels: [1, 2, 3, 4, 5, 6, 7],
    out,
    workers: 2,
  });
  const r = JSON.parse(fs.readFileSync(res.reportJson, 'utf8')) as ComparisonReport;
  assert.deepEqual(r.pairedCases, ['ct1']);
  assert.equal(r.labels['5'], 'liver', 'names from the reference header');
  // identical prediction: perfect
  assert.equal(r.overall.dice.nnSeg.mean, 1);
  assert.equal(r.overall.hd95.nnSeg.mean, 0);
  // ml format = metrics of the raw files (same label values)
  const direct = await metricsForFiles(path.join(dirs.ref, 'ct1.nii.gz'), path.join(dirs.ml, 'ct1.nii.gz'), { labels: [1, 2, 3, 4, 5, 6, 7] });
  for (const l of ['1', '4', '7']) {
    assert.equal(r.perLabel[l].dice['TS fast (ml)'].mean, direct.labels[l].dice);
    assert.equal(r.perLabel[l].hd95['TS fast (ml)'].mean, direct.labels[l].hd95);
  }
  // folder format: same numbers for the classes present, gallbladder (4) missing -> empty prediction
  for (const l of ['1', '2', '3', '5', '6', '7']) assert.deepEqual(r.perLabel[l].hd99_9['TS fast (folder)'], r.perLabel[l].hd99_9['TS fast (ml)']);
  assert.equal(r.perLabel['4'].dice['TS fast (folder)'].mean, 0);
  assert.equal(r.perLabel['4'].hd95['TS fast (folder)'].mean, null);
  const kinds = res.problems.map((p) => `${p.method}:${p.kind}`).sort();
  assert.deepEqual(kinds, ['TS fast (folder):missing-class', 'TS fast (folder):unmapped-class']);
  assert.match(res.problems.find((p) => p.kind === 'missing-class')!.message, /no class for 1 dataset label .*'gallbladder' \(4\)/);
  assert.match(res.problems.find((p) => p.kind === 'unmapped-class')!.message, /not_a_structure/);
  assert.ok(r.overall.dice['TS fast (ml)'].mean! > 0.85 && r.overall.dice['TS fast (ml)'].mean! < 1);
  assert.equal(r.overallTests.length, 8 * 3);

  // the reports
  const md = fs.readFileSync(res.reportMd, 'utf8');
  assert.match(md, /^# Comparison: nnSeg vs TS fast \(ml\) vs TS fast \(folder\)/);
  assert.match(md, /\| Metric \| nnSeg \| TS fast \(ml\) \| TS fast \(folder\) \| p \(nnSeg vs TS fast \(ml\)\) \|/);
  assert.match(md, /\| Dice ↑ \| \*\*1\.0000 ± 0\.0000\*\* \|/);
  assert.match(md, /### 4 gallbladder/);
  const html = fs.readFileSync(res.reportHtml, 'utf8');
  assert.equal((html.match(/<svg /g) ?? []).length, 8, 'one box plot per metric');
  assert.doesNotMatch(html, /<script|style="|\bsrc=|\bhref=|@import|url\(/i, 'self-contained, no script, no style attributes');
  assert.equal((html.match(/<style>/g) ?? []).length, 1);
  assert.ok(fs.existsSync(res.summaries['TS fast (ml)']));
  const sum = JSON.parse(fs.readFileSync(res.summaries['TS fast (folder)'], 'utf8'));
  assert.equal(sum.metric_per_case.length, 1);
  assert.equal(sum.problems.length, 2);
});

test('explicit mapping file, unmapped classes and a missing case are reported; partial results still written', { skip: skipNoCorpus }, async () => {
  const root = path.join(tmp.dir, 'map');
  const ref = path.join(root, 'ref');
  const ml = path.join(root, 'ml');
  fs.mkdirSync(ref, { recursive: true });
  fs.mkdirSync(ml, { recursive: true });
  fs.copyFileSync(corpusFile(SEG), path.join(ref, 'a.nii.gz'));
  fs.copyFileSync(corpusFile(SEG), path.join(ref, 'b.nii.gz'));
  fs.copyFileSync(corpusFile(FAST), path.join(ml, 'a.nii.gz'));
  const dataset = path.join(root, 'dataset.json');
  fs.writeFileSync(dataset, JSON.stringify({ labels: { background: 0, Liver: 1, organ_spleen: 2 }, file_ending: '.nii.gz' }));
  const mapping = path.join(root, 'map.json');
  fs.writeFileSync(mapping, JSON.stringify({ spleen: 'organ_spleen', kidney_left: null }));
  // the reference uses TotalSegmentator's values; relabel it to the dataset's (liver 5 -> 1, spleen 1 -> 2)
  const seg = await readNifti(corpusFile(SEG), { raw: true });
  const relabelled = Uint8Array.from(seg.data as Uint8Array, (v) => (v === 5 ? 1 : v === 1 ? 2 : 0));
  for (const id of ['a', 'b']) await writeNifti(path.join(ref, `${id}.nii.gz`), { data: relabelled, shape: seg.shape }, { kind: 'label', reference: seg.header });
  const res = await compareMethods({ ref, methods: [{ name: 'TS', dir: ml, format: 'totalsegmentator-ml' }], datasetJson: dataset, mapping, out: path.join(root, 'out'), workers: 1 });
  const kinds = res.problems.map((p) => p.kind).sort();
  assert.deepEqual(kinds, ['missing-prediction', 'unmapped-class']);
  assert.match(res.problems.find((p) => p.kind === 'unmapped-class')!.message, /classes map to no dataset label and count as background: .*kidney_right/);
  assert.doesNotMatch(res.problems.find((p) => p.kind === 'unmapped-class')!.message, /kidney_left/, 'mapped to null on purpose');
  const direct = await metricsForFiles(corpusFile(SEG), corpusFile(FAST), { labels: [5, 1] });
  assert.equal(res.report.perLabel['1'].dice.TS.mean, direct.labels['5'].dice, 'liver by name, case-insensitively');
  assert.equal(res.report.perLabel['2'].hd95.TS.mean, direct.labels['1'].hd95, 'spleen through the mapping file');
  assert.equal(res.report.methods[0].nCases, 1);
  assert.ok(fs.existsSync(res.reportHtml));
});

test('a method folder that does not exist is a problem; the other methods are still reported', { skip: skipNoCorpus }, async () => {
  const root = path.join(tmp.dir, 'gone');
  const ref = path.join(root, 'ref');
  fs.mkdirSync(ref, { recursive: true });
  fs.copyFileSync(corpusFile(SEG), path.join(ref, 'a.nii.gz'));
  const res = await compareMethods({
    ref,
    methods: [
      { name: 'here', dir: ref, format: 'labelmap' },
      { name: 'gone', dir: path.join(root, 'nope'), format: 'labelmap' },
    ],
    labels: [1, 5],
    out: path.join(root, 'out'),
    workers: 1,
  });
  assert.deepEqual(res.problems.map((p) => p.kind), ['unreadable']);
  assert.match(res.problems[0].message, /^gone: .*nope cannot be read as a folder \(ENOENT\)\.$/);
  assert.equal(res.report.overall.dice.here.mean, 1);
  assert.equal(res.report.overall.dice.gone.mean, null);
  assert.equal(res.report.overallTests[0].pvalue, null);
  assert.match(fs.readFileSync(res.reportMd, 'utf8'), /\| Dice ↑ \| 1\.0000 ± 0\.0000 \| - \|/);
});
