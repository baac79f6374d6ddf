/** Preprocessing (crop, normalise, resample) and the preprocessed cache. */
export type { PreprocessOptions, PreprocessReport, ConfigurationReport } from './run';
export { preprocessDataset, readPlans, DEFAULT_CONFIGURATIONS, PreprocessError } from './run';
export type { CaseInput, CaseSettings, PreprocessedCase, CaseProperties } from './case';
export { preprocessCase } from './case';
export type { CachedCase, CaseMeta } from './cache';
export { readCachedCase, listCachedCases, completeCaseMeta, CacheError } from './cache';
export type { Order } from './resize';
export { resize, resizeLabelsLinear } from './resize';
export { resizeParallel } from './resizeParallel';
export type { ResamplingSettings } from './resample';
export { resampleToShape, resampleChannel, separateZAxis } from './resample';
export { normalizeChannel } from './normalize';
export { cropToNonzero, nonzeroMask, bboxOfMask } from './crop';
export { sampleForegroundLocations, classKey } from './foreground';
export { textProgressContext } from './progressContext';
