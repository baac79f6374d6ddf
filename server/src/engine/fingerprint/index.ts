/** The dataset fingerprint (dataset_fingerprint.json) and the numpy-exact helpers it is computed with. */
export type { DatasetFingerprint } from './types';
export type { FingerprintOptions } from './extract';
export { extractFingerprint, writeFingerprint, readFingerprintIfCurrent } from './extract';
export { RandomState } from './randomState';
export { pyRound, percentile, median } from './numeric';
