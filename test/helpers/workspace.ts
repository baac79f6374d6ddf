import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A minimal nnU-Net raw dataset skeleton (dataset.json + empty imagesTr/labelsTr): enough for the
 * config checks, which read no image.
 */
export function makeDatasetSkeleton(root: string, name = 'Dataset001_Liver', labels: Record<string, number> = { background: 0, liver: 1, tumor: 2 }): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'imagesTr'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'labelsTr'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dataset.json'), JSON.stringify({ channel_names: { 0: 'CT' }, labels, numTraining: 0, file_ending: '.nii.gz' }, null, 2));
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
