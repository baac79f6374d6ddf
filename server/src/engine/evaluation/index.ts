/**
 * Segmentation evaluation: metrics per case and label, folder evaluation (summary.json), comparison of
 * methods (Table-1 report). Definitions: see the README section "Evaluation".
 */
export type { CaseMetrics, CaseMetricsOptions, HdMode, LabelArray, LabelMetrics, Shape3, SummaryMetric } from './types';
export { computeCaseMetrics } from './caseMetrics';
export { metricsForFiles } from './metricsFiles';
export { GridMismatchError, LabelFileError, readLabelFile, labelTableOf } from './labelFile';
export type { EvaluateOptions, EvaluateResult } from './evaluate';
export { evaluateFolders } from './evaluate';
export type { CompareOptions, CompareResult, MethodSpec, PredFormat } from './compare';
export { compareMethods, parseMethodSpec, predFormats } from './compare';
export type { ComparisonReport } from './comparison';
export type { Summary, SummaryEntry } from './summary';
export type { Problem } from './problems';
export { withStyleNonce } from './report/html';
export { wilcoxon } from './wilcoxon';
