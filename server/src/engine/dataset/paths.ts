import * as path from 'node:path';

/**
 * Where a raw dataset's fingerprint, plans and preprocessed cases go: $NNSEG_PREPROCESSED/<dataset>, else
 * nnU-Net's $nnUNet_preprocessed/<dataset>, else a `nnseg_preprocessed/<dataset>` folder next to the raw
 * dataset's parent folder (the layout of nnU-Net's nnUNet_raw / nnUNet_preprocessed siblings), so the raw
 * folder is never written to.
 */
export function defaultPreprocessedDir(rawDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const abs = path.resolve(rawDir);
  const name = path.basename(abs);
  const root = env.NNSEG_PREPROCESSED || env.nnUNet_preprocessed;
  const base = root ? path.resolve(root) : path.join(path.dirname(path.dirname(abs)), 'nnseg_preprocessed');
  return path.join(base, name);
}

export const FINGERPRINT_FILE = 'dataset_fingerprint.json';
export const PLANS_FILE = 'nnsegPlans.json';
