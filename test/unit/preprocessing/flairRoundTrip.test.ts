import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkDataset } from '../../../server/src/engine/dataset/check';
import { readDatasetJson, foregroundClasses } from '../../../server/src/engine/dataset/datasetJson';
import { loadCase } from '../../../server/src/engine/dataset/load';
import { planDataset } from '../../../server/src/engine/planning/run';
import { planExperiment } from '../../../server/src/engine/planning/planner';
import { resolveConfiguration } from '../../../server/src/engine/planning/plans';
import { preprocessDataset } from '../../../server/src/engine/preprocessing/run';
import { readCachedCase } from '../../../server/src/engine/preprocessing/cache';
import { preprocessCase } from '../../../server/src/engine/preprocessing/case';
import { resizeLabelsLinear } from '../../../server/src/engine/preprocessing/resize';
import { corpusFile, skipNoCorpus, tempDir } from '../../helpers/data';

const tmp = tempDir('nnseg-flair-');
after(() => tmp.cleanup());

const fp = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'dataset_fingerprint.json'), 'utf8'));

async function makeDataset(): Promise<string> {
  const raw = path.join(tmp.dir, 'raw', 'Dataset960_Flair');
  fs.mkdirSync(path.join(raw, 'imagesTr'), { recursive: true });
  fs.mkdirSync(path.join(raw, 'labelsTr'), { recursive: true });
  fs.copyFileSync(corpusFile('gh-niivue/FLAIR.nii.gz'), path.join(raw, 'imagesTr', 'flair_000_0000.nii.gz'));
  fs.copyFileSync(corpusFile('gh-niivue/lesion.nii.gz'), path.join(raw, 'labelsTr', 'flair_000.nii.gz'));
  fs.writeFileSync(
    path.join(raw, 'dataset.json'),
    JSON.stringify({ channel_names: { '0': 'FLAIR' }, labels: { background: 0, l1: 1, l2: 2, l3: 3 }, numTraining: 1, file_ending: '.nii.gz' }),
  );
  return raw;
}

test('FLAIR + lesion: check, plan, preprocess, and back to the original grid exactly', { skip: skipNoCorpus }, async () => {
  const raw = await makeDataset();
  const check = await checkDataset(raw);
  assert.deepEqual(check.problems, []);
  const out = path.join(tmp.dir, 'pre', 'Dataset960_Flair');
  const { plans } = await planDataset(raw, { outDir: out, planner: { memoryTargetGB: 8 }, workers: 0 });
  const cfg = resolveConfiguration(plans, '3d_fullres');
  assert.deepEqual(cfg.spacing, [1, 1, 1], 'one case: its own spacing');
  assert.deepEqual(cfg.use_mask_for_norm, [fp(out).median_relative_size_after_cropping < 0.75]);
  const r = await preprocessDataset(raw, { outDir: out, configurations: ['3d_fullres'], workers: 0 });
  assert.deepEqual(r.configurations[0].done, ['flair_000']);
  const c = readCachedCase(r.configurations[0].dir, 'flair_000');
  const props = c.meta.properties;
  assert.deepEqual(c.shape, props.shape_after_cropping_and_before_resampling);

  // undo: put the crop back into the transposed original shape, transpose back
  const orig = await loadCase({ id: 'flair_000', images: [path.join(raw, 'imagesTr', 'flair_000_0000.nii.gz')], label: path.join(raw, 'labelsTr', 'flair_000.nii.gz') });
  assert.deepEqual(plans.transpose_forward, [0, 1, 2]);
  const [Z, Y, X] = orig.shape;
  const [[z0], [y0], [x0]] = props.bbox_used_for_cropping;
  const [cz, cy, cx] = c.shape;
  const useMask = cfg.use_mask_for_norm[0];
  const back = new Int16Array(Z * Y * X);
  let inside = 0;
  let sum = 0;
  let sq = 0;
  for (let z = 0; z < cz; z++)
    for (let y = 0; y < cy; y++)
      for (let x = 0; x < cx; x++) {
        const v = c.seg![(z * cy + y) * cx + x];
        back[((z + z0) * Y + y + y0) * X + x + x0] = Math.max(0, v);
        if (!useMask || v >= 0) {
          const d = c.channels[0][(z * cy + y) * cx + x];
          inside++;
          sum += d;
          sq += d * d;
        }
      }
  // inside the crop box the labels come back unchanged; lesion voxels outside the FLAIR's nonzero box are
  // cropped away, as nnU-Net crops them (676 voxels in this file: the lesion map spills over the image)
  let changedInside = 0;
  let lostOutside = 0;
  const [[, z1], [, y1], [, x1]] = props.bbox_used_for_cropping;
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const i = (z * Y + y) * X + x;
        const inBox = z >= z0 && z < z1 && y >= y0 && y < y1 && x >= x0 && x < x1;
        if (inBox && back[i] !== orig.seg![i]) changedInside++;
        if (!inBox && orig.seg![i] > 0) lostOutside++;
      }
  assert.equal(changedInside, 0, 'labels survive crop + cache + uncrop unchanged');
  assert.equal(lostOutside, 676);
  const mean = sum / inside;
  const std = Math.sqrt(sq / inside - mean * mean);
  assert.ok(Math.abs(mean) < 1e-4 && Math.abs(std - 1) < 1e-4, `z-score: mean ${mean}, std ${std}`);
});

test('FLAIR + lesion resampled to 1.5 mm keeps the main lesion volume and maps back as nnU-Net does', { skip: skipNoCorpus }, async () => {
  const raw = path.join(tmp.dir, 'raw', 'Dataset960_Flair');
  if (!fs.existsSync(raw)) await makeDataset();
  const dj = readDatasetJson(raw);
  const fingerprint = fp(path.join(tmp.dir, 'pre', 'Dataset960_Flair'));
  const plans = planExperiment({ datasetName: 'Dataset960_Flair', datasetJson: dj, fingerprint }, { overwriteTargetSpacing: [1.5, 1.5, 1.5] });
  const orig = await loadCase({ id: 'flair_000', images: [path.join(raw, 'imagesTr', 'flair_000_0000.nii.gz')], label: path.join(raw, 'labelsTr', 'flair_000.nii.gz') });
  const out = preprocessCase(
    { channels: orig.channels, seg: orig.seg, shape: orig.shape, spacing: orig.spacing },
    { configuration: resolveConfiguration(plans, '3d_fullres'), transposeForward: plans.transpose_forward, intensityProperties: plans.foreground_intensity_properties_per_channel, foregroundClasses: foregroundClasses(dj) },
  );
  const count = (a: ArrayLike<number>, l: number) => Array.from(a).filter((v) => v === l).length;
  // the big lesion class keeps its volume (thin classes lose some: one-hot linear resampling, as nnU-Net)
  const before = count(orig.seg!, 2);
  const after = count(out.seg, 2) * 1.5 ** 3;
  assert.ok(Math.abs(after - before) / before < 0.1, `label 2: ${before} mm3 -> ${after.toFixed(0)} mm3`);
  // back to the cropped 1 mm grid with the same label resampling, compare inside the crop box
  const cropShape = out.properties.shape_after_cropping_and_before_resampling;
  const up = resizeLabelsLinear(out.seg, out.shape, cropShape, new Int8Array(cropShape.reduce((a, b) => a * b, 1)));
  const [[z0], [y0], [x0]] = out.properties.bbox_used_for_cropping;
  const [, Y, X] = orig.shape;
  let inter = 0;
  let a = 0;
  let b = 0;
  for (let z = 0; z < cropShape[0]; z++)
    for (let y = 0; y < cropShape[1]; y++)
      for (let x = 0; x < cropShape[2]; x++) {
        const p = up[(z * cropShape[1] + y) * cropShape[2] + x] > 0;
        const t = orig.seg![((z + z0) * Y + y + y0) * X + x + x0] > 0;
        if (p) a++;
        if (t) b++;
        if (p && t) inter++;
      }
  const dice = (2 * inter) / (a + b);
  // the lesion map is thin and scattered: nnU-Net's own resize_segmentation down and up gives 0.6323 here
  assert.ok(Math.abs(dice - 0.6323) < 0.002, `foreground Dice after 1 mm -> 1.5 mm -> 1 mm: ${dice.toFixed(4)}`);
});
