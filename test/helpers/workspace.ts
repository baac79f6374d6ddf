import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeNifti } from '../../server/src/engine/io';

/**
 * A tiny but valid nnU-Net raw dataset: dataset.json and two 8^3 CT cases whose label maps hold every
 * declared label, so the integrity check finds nothing.
 */
export async function makeDataset(root: string, name = 'Dataset001_Liver', labels: Record<string, number> = { background: 0, liver: 1, tumor: 2 }): Promise<string> {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'imagesTr'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'labelsTr'), { recursive: true });
  const ids = ['case_000', 'case_001'];
  fs.writeFileSync(path.join(dir, 'dataset.json'), JSON.stringify({ channel_names: { 0: 'CT' }, labels, numTraining: ids.length, file_ending: '.nii.gz' }, null, 2));
  const values = Object.values(labels);
  const shape = [8, 8, 8];
  for (const id of ids) {
    const img = new Float32Array(512);
    const lab = new Uint8Array(512);
    for (let i = 0; i < 512; i++) {
      lab[i] = values[i % values.length];
      img[i] = -100 + 50 * lab[i];
    }
    await writeNifti(path.join(dir, 'imagesTr', `${id}_0000.nii.gz`), { data: img, shape }, { kind: 'image', spacing: [1, 1, 1] });
    await writeNifti(path.join(dir, 'labelsTr', `${id}.nii.gz`), { data: lab, shape }, { kind: 'label', spacing: [1, 1, 1] });
  }
  return dir;
}

/** A config with one error of each semantic kind, each on its own line, for range assertions. */
export const brokenConfig = `{
  // JSON with comments is fine
  "dataset": "Dataset001_Liver",
  "configuration": "3d_fulres",
  "crossValidation": { "numFolds": 5, "folds": [0, 7] },
  "augmentation": {
    "rotation": { "probability": 1.5 },
    "lowResolution": { "zoom": [1, 0.7] }
  },
  "planning": { "patchSize": [100, 128, 128] },
  "evaluation": { "labels": ["liver", "spleen"] },
  "loss": { "diceWeight": "heavy" }
}
`;
