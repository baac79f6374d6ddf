import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateSyntheticDataset } from '../../../server/src/engine/dataset/synthetic';
import { readNifti } from '../../../server/src/engine/io';
import { trainingCases } from '../../../server/src/engine/dataset/cases';
import { tempDir } from '../../helpers/data';

const tmp = tempDir('nnseg-synth-');
after(() => tmp.cleanup());

test('synthetic dataset: nnU-Net layout, requested geometry, labelled blobs, CT intensities', async () => {
  const dir = path.join(tmp.dir, 'Dataset980_A');
  const ds = await generateSyntheticDataset({ dir, numCases: 3, numTest: 2, shape: [12, 20, 24], spacing: [3.5, 0.8, 0.8], modality: 'CT', numLabels: 3, seed: 9 });
  assert.deepEqual(ds.datasetJson.channel_names, { '0': 'CT' });
  assert.equal(ds.datasetJson.numTraining, 3);
  assert.deepEqual(Object.values(ds.datasetJson.labels), [0, 1, 2, 3]);
  assert.deepEqual(trainingCases(dir, ds.datasetJson).map((c) => c.id), ds.trainingIds);
  assert.equal(fs.readdirSync(path.join(dir, 'imagesTs')).length, 2);
  const img = await readNifti(path.join(dir, 'imagesTr', 'synth_000_0000.nii.gz'));
  const lab = await readNifti(path.join(dir, 'labelsTr', 'synth_000.nii.gz'), { raw: true });
  assert.deepEqual(img.shape, [12, 20, 24]);
  assert.deepEqual(img.spacing.map((s) => +s.toFixed(4)), [3.5, 0.8, 0.8]);
  assert.deepEqual(lab.shape, img.shape);
  const values = new Set(Array.from(lab.data as Uint8Array));
  assert.deepEqual([...values].sort(), [0, 1, 2, 3]);
  const d = img.data as Float32Array;
  assert.ok(Math.min(...d) <= -990, 'air around the body');
  assert.ok(d.every((v) => Number.isInteger(v)), 'HU are integers');
});

test('synthetic dataset: deterministic for a seed, different for another', async () => {
  const opts = { numCases: 2, shape: [8, 12, 12] as [number, number, number], numChannels: 2, seed: 4 };
  await generateSyntheticDataset({ dir: path.join(tmp.dir, 'Dataset981_B'), ...opts });
  await generateSyntheticDataset({ dir: path.join(tmp.dir, 'Dataset982_B'), ...opts });
  await generateSyntheticDataset({ dir: path.join(tmp.dir, 'Dataset983_B'), ...opts, seed: 5 });
  const read = async (n: string) => (await readNifti(path.join(tmp.dir, n, 'imagesTr', 'synth_001_0001.nii.gz'))).data;
  assert.deepEqual(await read('Dataset981_B'), await read('Dataset982_B'));
  assert.notDeepEqual(await read('Dataset981_B'), await read('Dataset983_B'));
});
