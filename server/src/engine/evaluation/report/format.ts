import type { Cell, PairTest } from '../comparison';
import { higherIsBetter, type SummaryMetric } from '../types';

export const metricTitle: Record<SummaryMetric, string> = {
  dice: 'Dice',
  iou: 'IoU',
  sensitivity: 'Sensitivity',
  specificity: 'Specificity',
  hd95: 'HD95 (mm)',
  hd99_9: 'HD99.9 (mm)',
  hd100: 'HD100 (mm)',
  assd: 'ASSD (mm)',
};

const isDistance = (m: SummaryMetric) => !higherIsBetter[m];

export function num(v: number | null, metric: SummaryMetric): string {
  if (v === null || !Number.isFinite(v)) return '-';
  return isDistance(metric) ? v.toFixed(2) : v.toFixed(4);
}

export function cellText(c: Cell | undefined, metric: SummaryMetric): string {
  if (!c || c.mean === null) return '-';
  return `${num(c.mean, metric)} ± ${num(c.std, metric)}`;
}

export function pText(t: PairTest | undefined): string {
  if (!t || t.pvalue === null) return t?.note ? `- (${t.note})` : '-';
  const p = t.pvalue < 1e-4 ? t.pvalue.toExponential(1) : t.pvalue < 0.01 ? t.pvalue.toFixed(4) : t.pvalue.toFixed(3);
  return `${p} (${t.method}, n=${t.n})`;
}

/** The method(s) with the best mean of a row, for emphasis. */
export function bestOf(row: Record<string, Cell>, metric: SummaryMetric): Set<string> {
  const vals = Object.entries(row).filter(([, c]) => c.mean !== null) as [string, Cell & { mean: number }][];
  if (vals.length < 2) return new Set();
  const best = higherIsBetter[metric] ? Math.max(...vals.map(([, c]) => c.mean)) : Math.min(...vals.map(([, c]) => c.mean));
  return new Set(vals.filter(([, c]) => c.mean === best).map(([m]) => m));
}

export function arrow(metric: SummaryMetric): string {
  return higherIsBetter[metric] ? '↑' : '↓';
}
