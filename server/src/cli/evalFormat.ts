import type { LabelMetrics } from '../engine/evaluation/types';
import { UsageError } from '../util/errors';

/** "1,2,5" -> [1, 2, 5]; a usage error naming the option otherwise. */
export function parseLabels(text: string | undefined, option = '--labels'): number[] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  const out = parts.map(Number);
  if (!parts.length || out.some((v) => !Number.isInteger(v) || v <= 0)) throw new UsageError(`${option} takes positive integer label values separated by commas, not '${text}'.`);
  return out;
}

export function parseHdMode(text: string | undefined): 'max' | 'pooled' {
  if (text === undefined || text === 'max') return 'max';
  if (text === 'pooled') return 'pooled';
  throw new UsageError(`--hd-mode is 'max' or 'pooled', not '${text}'.`);
}

export function parseWorkers(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--workers takes a positive integer, not '${text}'.`);
  return n;
}

export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  return v.toFixed(digits);
}

/** A plain text table: first column left-aligned, the rest right-aligned. */
export function textTable(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function metricsRows(labels: Record<string, LabelMetrics>, names?: Record<string, string>): string[][] {
  return Object.entries(labels).map(([l, m]) => [
    names?.[l] ? `${l} ${names[l]}` : l,
    fmt(m.dice),
    fmt(m.iou),
    fmt(m.sensitivity),
    fmt(m.specificity),
    fmt(m.hd95, 2),
    fmt(m.hd99_9, 2),
    fmt(m.hd100, 2),
    fmt(m.assd, 3),
    fmt(m.refVolumeMm3, 1),
    fmt(m.predVolumeMm3, 1),
    m.empty ? `${m.empty} empty` : '',
  ]);
}

export const metricsHeader = ['label', 'Dice', 'IoU', 'Sens', 'Spec', 'HD95', 'HD99.9', 'HD100', 'ASSD', 'ref mm3', 'pred mm3', ''];
