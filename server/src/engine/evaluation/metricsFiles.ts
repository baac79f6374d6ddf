import { computeCaseMetrics } from './caseMetrics';
import { LabelValueError } from './confusion';
import { checkSameGrid, LabelFileError, readLabelFile } from './labelFile';
import type { CaseMetrics, CaseMetricsOptions } from './types';

/**
 * Metrics of one prediction file against one reference file (both NIfTI label maps on the same grid).
 * Throws GridMismatchError (naming both files and the differences), NiftiError or LabelFileError.
 */
export async function metricsForFiles(refFile: string, predFile: string, options: CaseMetricsOptions = {}): Promise<CaseMetrics> {
  const ref = await readLabelFile(refFile);
  const pred = await readLabelFile(predFile);
  checkSameGrid(ref, pred);
  try {
    return computeCaseMetrics(ref.data, pred.data, ref.shape, ref.spacing, options);
  } catch (e) {
    if (e instanceof LabelValueError) throw new LabelFileError(e.which === 'ref' ? refFile : predFile, e.message);
    throw e;
  }
}
