import { confusionCounts, type LabelCounts } from './confusion';
import { directedSquaredDistances } from './distance';
import { mergeSorted, percentileSorted } from './percentile';
import { boxSurfaces } from './surface';
import type { CaseMetrics, CaseMetricsOptions, EmptyFlag, HdMode, LabelArray, LabelMetrics, Shape3 } from './types';

/** Surface-distance summary of one label; null fields when a mask is empty. */
export interface SurfaceDistances {
  hd95: number | null;
  hd99_9: number | null;
  hd100: number | null;
  assd: number | null;
}

const nullDistances: SurfaceDistances = { hd95: null, hd99_9: null, hd100: null, assd: null };

function ratio(num: number, den: number): number | null {
  return den === 0 ? null : num / den;
}

/**
 * Every metric of every requested label for one case. Pure: typed arrays in engine order (shape [z, y, x],
 * spacing [sz, sy, sx] in mm), no I/O. One pass gives the confusion counts and boxes of all labels; the
 * surface distances of a label then only touch that label's box.
 */
export function computeCaseMetrics(ref: LabelArray, pred: LabelArray, shape: Shape3, spacing: Shape3, options: CaseMetricsOptions = {}): CaseMetrics {
  for (const s of spacing) if (!(s > 0) || !Number.isFinite(s)) throw new Error(`voxel spacing ${spacing.join(' x ')} must be positive`);
  const { counts, total } = confusionCounts(ref, pred, shape, options.labels, options.ignoreLabel);
  const voxelMm3 = spacing[0] * spacing[1] * spacing[2];
  const labels: Record<string, LabelMetrics> = {};
  for (const c of counts) {
    labels[String(c.label)] = labelMetrics(c, total, voxelMm3, options.distances === false ? undefined : () => surfaceDistances(ref, pred, shape, spacing, c, options.hdMode ?? 'max', options.ignoreLabel));
  }
  return { labels };
}

function labelMetrics(c: LabelCounts, total: number, voxelMm3: number, distances: (() => SurfaceDistances) | undefined): LabelMetrics {
  const tp = c.tp;
  const fp = c.predCount - tp;
  const fn = c.refCount - tp;
  const tn = total - tp - fp - fn;
  const empty: EmptyFlag = c.refCount === 0 && c.predCount === 0 ? 'both' : c.refCount === 0 ? 'ref' : c.predCount === 0 ? 'pred' : null;
  // nnU-Net: both empty -> NaN (excluded from means); otherwise 2TP/(2TP+FP+FN), which is 0 when one is empty.
  const dice = empty === 'both' ? null : (2 * tp) / (2 * tp + fp + fn);
  const iou = empty === 'both' ? null : tp / (tp + fp + fn);
  const d = empty === null && distances ? distances() : nullDistances;
  return {
    tp,
    fp,
    fn,
    tn,
    dice,
    iou,
    sensitivity: ratio(tp, tp + fn),
    specificity: ratio(tn, tn + fp),
    ...d,
    refVolumeMm3: c.refCount * voxelMm3,
    predVolumeMm3: c.predCount * voxelMm3,
    empty,
  };
}

function sortedDistances(sq: Float64Array): Float64Array {
  sq.sort();
  for (let i = 0; i < sq.length; i++) sq[i] = Math.sqrt(sq[i]);
  return sq;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** Both directed distance sets of one label (ascending, mm); exported for tests and the benchmark. */
export function directedDistances(ref: LabelArray, pred: LabelArray, shape: Shape3, spacing: Shape3, c: LabelCounts, ignoreLabel?: number): { refToPred: Float64Array; predToRef: Float64Array } {
  if (!c.box) return { refToPred: new Float64Array(0), predToRef: new Float64Array(0) };
  const s = boxSurfaces(ref, pred, shape, c.label, c.box, ignoreLabel);
  return {
    refToPred: sortedDistances(directedSquaredDistances(s.pred, s.ref, s.dims, spacing)),
    predToRef: sortedDistances(directedSquaredDistances(s.ref, s.pred, s.dims, spacing)),
  };
}

export function summariseDistances(a: Float64Array, b: Float64Array, mode: HdMode): SurfaceDistances {
  const pooled = mode === 'pooled' ? mergeSorted(a, b) : undefined;
  const at = (p: number) => (pooled ? percentileSorted(pooled, p) : Math.max(percentileSorted(a, p), percentileSorted(b, p)));
  return {
    hd95: at(95),
    hd99_9: at(99.9),
    hd100: Math.max(a[a.length - 1], b[b.length - 1]),
    // symmetric mean over all surface voxels of both masks
    assd: (sum(a) + sum(b)) / (a.length + b.length),
  };
}

function surfaceDistances(ref: LabelArray, pred: LabelArray, shape: Shape3, spacing: Shape3, c: LabelCounts, mode: HdMode, ignoreLabel?: number): SurfaceDistances {
  const { refToPred, predToRef } = directedDistances(ref, pred, shape, spacing, c, ignoreLabel);
  if (refToPred.length === 0 || predToRef.length === 0) return nullDistances;
  return summariseDistances(refToPred, predToRef, mode);
}
