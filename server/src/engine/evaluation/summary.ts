import type { CaseResult } from './caseJob';
import type { Problem } from './problems';
import { nanmean, strictMean } from './stats';
import type { HdMode, LabelMetrics } from './types';

/**
 * One label's entry in summary.json: nnU-Net's keys (Dice, IoU, FP, TP, FN, TN, n_pred, n_ref) first, so
 * nnU-Net tools read the file as their own, then nnSeg's (sensitivity, specificity, distances, volumes).
 */
export interface SummaryEntry {
  Dice: number | null;
  IoU: number | null;
  FP: number | null;
  TP: number | null;
  FN: number | null;
  TN: number | null;
  n_pred: number | null;
  n_ref: number | null;
  Sensitivity: number | null;
  Specificity: number | null;
  HD95: number | null;
  HD99_9: number | null;
  HD100: number | null;
  ASSD: number | null;
  ref_volume_mm3: number | null;
  pred_volume_mm3: number | null;
}

export type SummaryKey = keyof SummaryEntry;
export const summaryKeys: SummaryKey[] = ['Dice', 'IoU', 'FP', 'TP', 'FN', 'TN', 'n_pred', 'n_ref', 'Sensitivity', 'Specificity', 'HD95', 'HD99_9', 'HD100', 'ASSD', 'ref_volume_mm3', 'pred_volume_mm3'];

export interface CaseEntry {
  case: string;
  reference_file: string;
  prediction_file: string;
  metrics: Record<string, SummaryEntry & { empty: LabelMetrics['empty'] }>;
}

export interface Summary {
  metric_per_case: CaseEntry[];
  /** Per label: mean over cases, null values (both masks empty, distances with an empty mask) left out. */
  mean: Record<string, SummaryEntry>;
  /** Mean over the foreground labels of `mean` (null if a label's mean is null, as nnU-Net's np.mean). */
  foreground_mean: SummaryEntry;
  labels: Record<string, string>;
  hd_mode: HdMode;
  n_cases: number;
  problems: Problem[];
}

export function toEntry(m: LabelMetrics): SummaryEntry & { empty: LabelMetrics['empty'] } {
  return {
    Dice: m.dice,
    IoU: m.iou,
    FP: m.fp,
    TP: m.tp,
    FN: m.fn,
    TN: m.tn,
    n_pred: m.tp + m.fp,
    n_ref: m.tp + m.fn,
    Sensitivity: m.sensitivity,
    Specificity: m.specificity,
    HD95: m.hd95,
    HD99_9: m.hd99_9,
    HD100: m.hd100,
    ASSD: m.assd,
    ref_volume_mm3: m.refVolumeMm3,
    pred_volume_mm3: m.predVolumeMm3,
    empty: m.empty,
  };
}

/** summary.json from the evaluated cases (those without metrics are only listed in problems). */
export function buildSummary(results: CaseResult[], labels: number[], names: Record<string, string>, hdMode: HdMode, problems: Problem[]): Summary {
  const evaluated = results.filter((r) => r.metrics).sort((a, b) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));
  const perCase: CaseEntry[] = evaluated.map((r) => {
    const metrics: CaseEntry['metrics'] = {};
    for (const l of labels) {
      const m = r.metrics!.labels[String(l)];
      if (m) metrics[String(l)] = toEntry(m);
    }
    return { case: r.caseId, reference_file: r.refFile, prediction_file: r.predFile, metrics };
  });
  const mean: Record<string, SummaryEntry> = {};
  for (const l of labels) {
    const e = {} as SummaryEntry;
    for (const k of summaryKeys) e[k] = nanmean(perCase.map((c) => c.metrics[String(l)]?.[k]));
    mean[String(l)] = e;
  }
  const fg = {} as SummaryEntry;
  for (const k of summaryKeys) fg[k] = strictMean(labels.filter((l) => l !== 0).map((l) => mean[String(l)][k]));
  const labelNames: Record<string, string> = {};
  for (const l of labels) labelNames[String(l)] = names[String(l)] ?? String(l);
  return { metric_per_case: perCase, mean, foreground_mean: fg, labels: labelNames, hd_mode: hdMode, n_cases: perCase.length, problems };
}
