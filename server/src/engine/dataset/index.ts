/** nnU-Net raw datasets: dataset.json, case lists, loading, the integrity check, synthetic datasets. */
export type { DatasetJson } from './datasetJson';
export { DatasetError, readDatasetJson, validateDatasetJson, channelNames, allLabels, ignoreLabel, hasRegions, foregroundClasses } from './datasetJson';
export type { DatasetCase } from './cases';
export { trainingCases, testCases, identifiersInFolder } from './cases';
export type { LoadedCase } from './load';
export { loadCase, toLabels } from './load';
export type { DatasetProblem, DatasetCheckResult, CheckOptions, Severity } from './check';
export { checkDataset } from './check';
export type { SyntheticOptions, SyntheticDataset } from './synthetic';
export { generateSyntheticDataset, generateCase } from './synthetic';
export { defaultPreprocessedDir, FINGERPRINT_FILE, PLANS_FILE } from './paths';
