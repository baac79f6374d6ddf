/**
 * DashboardMetricKeys: what the training dashboard reads from job events. A training job reports one
 * JobEvent per epoch:
 *
 *   { type: 'metrics', jobId, epoch: 12, values: {
 *       train_loss: -0.61,            // mean training loss of the epoch (nnU-Net's Dice+CE is negative when good)
 *       val_loss: -0.55,              // validation loss
 *       pseudo_dice: [0.91, 0.72],    // per foreground label (label order of dataset.json), on the validation batches
 *       ema_pseudo_dice: 0.80,        // optional: nnU-Net's exponential moving average of the mean pseudo-Dice
 *       lr: 0.0093,                   // learning rate in this epoch
 *       epoch_time: 41.2,             // seconds
 *   } }
 *
 * Any key may be missing or null in an event; unknown keys are kept and ignored by the charts.
 * Label names for the pseudo-Dice lines come from `JobInfo.result.labelNames` (string[] by foreground
 * label) when the job sets it, else "label 1", "label 2", ...
 */
import type { JobEvent } from '../../../server/src/protocol';

export const DashboardMetricKeys = {
  trainLoss: 'train_loss',
  valLoss: 'val_loss',
  pseudoDice: 'pseudo_dice',
  emaPseudoDice: 'ema_pseudo_dice',
  lr: 'lr',
  epochTime: 'epoch_time',
} as const;

/** One epoch of a job, as the dashboard stores and charts it. */
export interface MetricPoint {
  epoch: number;
  trainLoss?: number;
  valLoss?: number;
  pseudoDice?: number[];
  emaPseudoDice?: number;
  lr?: number;
  epochTime?: number;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The dashboard's point for a metrics event; `fallbackEpoch` when the event has none (the next epoch). */
export function metricPoint(e: Extract<JobEvent, { type: 'metrics' }>, fallbackEpoch: number): MetricPoint {
  const v = e.values ?? {};
  const dice = v[DashboardMetricKeys.pseudoDice];
  const point: MetricPoint = { epoch: num(e.epoch) ?? fallbackEpoch };
  const set = <K extends keyof MetricPoint>(k: K, x: MetricPoint[K] | undefined) => {
    if (x !== undefined) point[k] = x;
  };
  set('trainLoss', num(v[DashboardMetricKeys.trainLoss]));
  set('valLoss', num(v[DashboardMetricKeys.valLoss]));
  set('emaPseudoDice', num(v[DashboardMetricKeys.emaPseudoDice]));
  set('lr', num(v[DashboardMetricKeys.lr]));
  set('epochTime', num(v[DashboardMetricKeys.epochTime]));
  if (Array.isArray(dice)) set('pseudoDice', dice.map((d) => (typeof d === 'number' && Number.isFinite(d) ? d : NaN)));
  else if (num(dice) !== undefined) set('pseudoDice', [dice as number]);
  return point;
}

/** Adds a point to a job's history: a repeated epoch replaces the earlier one, the list stays sorted. */
export function addPoint(history: MetricPoint[], p: MetricPoint, max = 5000): MetricPoint[] {
  const i = history.findIndex((x) => x.epoch >= p.epoch);
  if (i < 0) history.push(p);
  else if (history[i].epoch === p.epoch) history[i] = { ...history[i], ...p };
  else history.splice(i, 0, p);
  if (history.length > max) history.splice(0, history.length - max);
  return history;
}

/** Best epoch by validation (highest mean pseudo-Dice, else lowest validation loss). */
export function bestEpoch(history: MetricPoint[]): { epoch: number; meanDice?: number; valLoss?: number } | undefined {
  let best: { epoch: number; meanDice?: number; valLoss?: number } | undefined;
  for (const p of history) {
    const d = p.pseudoDice?.filter((x) => !Number.isNaN(x));
    const mean = d && d.length ? d.reduce((a, b) => a + b, 0) / d.length : undefined;
    if (mean !== undefined) {
      if (!best || best.meanDice === undefined || mean > best.meanDice) best = { epoch: p.epoch, meanDice: mean, valLoss: p.valLoss };
    } else if (p.valLoss !== undefined && (!best || (best.meanDice === undefined && (best.valLoss === undefined || p.valLoss < best.valLoss)))) {
      best = { epoch: p.epoch, valLoss: p.valLoss };
    }
  }
  return best;
}
