import * as fs from 'node:fs';
import * as path from 'node:path';
import { NnsegError } from '../../util/errors';

/** The nnU-Net v2 raw dataset description (dataset.json), with the fields nnSeg reads. */
export interface DatasetJson {
  channel_names: Record<string, string>;
  /** nnU-Net v1 name of channel_names; read when channel_names is absent. */
  modality?: Record<string, string>;
  /** name -> label value, or a list of label values for a region; "background" is 0, "ignore" the highest. */
  labels: Record<string, number | number[]>;
  numTraining: number;
  file_ending: string;
  regions_class_order?: number[];
  overwrite_image_reader_writer?: string;
  /** Optional explicit case list: identifier -> image files (one per channel) and label file. */
  dataset?: Record<string, { images: string[]; label: string }>;
  name?: string;
  description?: string;
  [key: string]: unknown;
}

export class DatasetError extends NnsegError {
  constructor(message: string, file?: string) {
    super(message, file, 'EDATASET');
  }
}

export function datasetJsonPath(dir: string): string {
  return path.join(dir, 'dataset.json');
}

/** Reads dataset.json; throws a DatasetError naming the file when it is missing or not valid JSON. */
export function readDatasetJson(dir: string): DatasetJson {
  const file = datasetJsonPath(dir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new DatasetError(`${file}: dataset.json not found (is ${dir} an nnU-Net raw dataset folder?).`, file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DatasetError(`${file}: not valid JSON (${(err as Error).message}).`, file);
  }
  const problems = validateDatasetJson(value);
  if (problems.length) throw new DatasetError(`${file}: ${problems[0]}`, file);
  return value as DatasetJson;
}

/** Problems with the structure of a parsed dataset.json, as sentences (empty when it is usable). */
export function validateDatasetJson(value: unknown): string[] {
  const out: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['dataset.json must be a JSON object.'];
  const d = value as Record<string, unknown>;
  const channels = d.channel_names ?? d.modality;
  if (!isRecord(channels) || Object.keys(channels).length === 0) {
    out.push('"channel_names" is missing or empty (it maps "0", "1", ... to channel names such as "CT" or "T2").');
  } else {
    const keys = Object.keys(channels);
    keys.forEach((k, i) => {
      if (k !== String(i)) out.push(`"channel_names" keys must be "0", "1", ... in order; found "${k}" at position ${i}.`);
    });
    for (const [k, v] of Object.entries(channels)) {
      if (typeof v !== 'string') out.push(`"channel_names"."${k}" must be a string.`);
    }
  }
  if (!isRecord(d.labels) || Object.keys(d.labels).length === 0) {
    out.push('"labels" is missing or empty (it maps label names to values, with "background": 0).');
  } else {
    const labels = d.labels;
    if (!('background' in labels)) out.push('"labels" must declare "background": 0.');
    else if (labels.background !== 0) out.push('"labels"."background" must be 0.');
    for (const [k, v] of Object.entries(labels)) {
      const ok = isLabelValue(v) || (Array.isArray(v) && v.length > 0 && v.every(isLabelValue));
      if (!ok) out.push(`"labels"."${k}" must be a non-negative integer or a list of them (a region).`);
    }
    if ('ignore' in labels && !isLabelValue(labels.ignore)) out.push('"labels"."ignore" must be an integer, not a region.');
  }
  if (typeof d.numTraining !== 'number' || !Number.isInteger(d.numTraining) || d.numTraining < 1) {
    out.push('"numTraining" must be a positive integer.');
  }
  if (typeof d.file_ending !== 'string' || !d.file_ending.startsWith('.')) {
    out.push('"file_ending" must be a string such as ".nii.gz".');
  }
  return out;
}

export function channelNames(d: DatasetJson): string[] {
  return Object.values(d.channel_names ?? d.modality ?? {});
}

/** nnU-Net's LabelManager: label values in use (ignore excluded), sorted. */
export function allLabels(d: DatasetJson): number[] {
  const set = new Set<number>();
  for (const [k, v] of Object.entries(d.labels)) {
    if (k === 'ignore') continue;
    for (const x of Array.isArray(v) ? v : [v]) set.add(x);
  }
  return [...set].sort((a, b) => a - b);
}

export function ignoreLabel(d: DatasetJson): number | undefined {
  const v = d.labels.ignore;
  return typeof v === 'number' ? v : undefined;
}

/** Every value a label file may hold: the labels (or regions' members) and the ignore label. */
export function declaredLabelValues(d: DatasetJson): number[] {
  const ign = ignoreLabel(d);
  return ign === undefined ? allLabels(d) : [...allLabels(d), ign];
}

export function hasRegions(d: DatasetJson): boolean {
  return Object.values(d.labels).some((v) => Array.isArray(v) && v.length > 1);
}

/**
 * What foreground locations are collected for (nnU-Net's run_case_npy): the foreground labels, or the regions
 * (as label lists); with an ignore label also every annotated voxel ([-1, ...all labels]), so patches can be
 * drawn from annotated areas only.
 */
export function foregroundClasses(d: DatasetJson): (number | number[])[] {
  const base = hasRegions(d) ? regionsOf(d) : allLabels(d).filter((l) => l !== 0);
  return ignoreLabel(d) !== undefined ? [...base, [-1, ...allLabels(d)]] : base;
}

function regionsOf(d: DatasetJson): (number | number[])[] {
  const out: (number | number[])[] = [];
  for (const [k, v] of Object.entries(d.labels)) {
    if (k === 'ignore') continue;
    const vals = Array.isArray(v) ? v : [v];
    if (vals.every((x) => x === 0)) continue;
    out.push(Array.isArray(v) ? v.slice() : v);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLabelValue(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
