import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The project root (where package.json is), from out/test/helpers or test/helpers. */
export const repoRoot = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();

/**
 * The shared corpus of real NIfTI files (never copied into the repo). NNSEG_SHARED_DATA overrides
 * the default `../shared/data/nifti` next to the checkout.
 */
export const niftiCorpus: string = process.env.NNSEG_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data', 'nifti');

export const haveCorpus = fs.existsSync(niftiCorpus);

/** For `test(..., { skip: skipNoCorpus })`: a reason string when the corpus is missing. */
export const skipNoCorpus: string | false = haveCorpus ? false : `real NIfTI corpus not found at ${niftiCorpus}`;

export function corpusFile(rel: string): string {
  return path.join(niftiCorpus, rel);
}

/** A fresh temporary folder, removed by the caller's `after` hook via the returned cleanup. */
export function tempDir(prefix = 'nnseg-test-'): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Path to the CLI entry, for tests that spawn `nnseg` as a user would. */
export const cliPath = path.join(repoRoot, 'bin', 'nnseg.js');
