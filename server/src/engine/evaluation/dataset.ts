import * as fs from 'node:fs';
import { NnsegError } from '../../util/errors';

/** What evaluation needs from an nnU-Net dataset.json: label names and values, the ignore label, the ending. */
export interface DatasetLabels {
  /** Foreground labels, ascending. */
  labels: number[];
  /** value -> name, background included. */
  names: Record<string, string>;
  ignoreLabel?: number;
  fileEnding?: string;
  file?: string;
}

export class DatasetJsonError extends NnsegError {
  constructor(file: string, problem: string) {
    super(`${file} ${problem.replace(/\.$/, '')}.`, file, 'EDATASETJSON');
  }
}

/** Reads the labels of a dataset.json (nnU-Net v2: "labels": {"background": 0, "liver": 1, ...}). */
export function readDatasetLabels(file: string): DatasetLabels {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DatasetJsonError(file, `cannot be read as JSON (${(e as Error).message})`);
  }
  const labels = (json as { labels?: unknown }).labels;
  if (!labels || typeof labels !== 'object' || Array.isArray(labels)) throw new DatasetJsonError(file, 'has no "labels" object (name -> integer value)');
  const names: Record<string, string> = {};
  const values: number[] = [];
  let ignoreLabel: number | undefined;
  for (const [name, v] of Object.entries(labels as Record<string, unknown>)) {
    if (Array.isArray(v)) throw new DatasetJsonError(file, `defines "${name}" as a region (${JSON.stringify(v)}); region-based labels are not supported by nnSeg's evaluation yet`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new DatasetJsonError(file, `gives label "${name}" the value ${JSON.stringify(v)}, which is not a non-negative integer`);
    if (names[String(v)] !== undefined) throw new DatasetJsonError(file, `gives the value ${v} to both "${names[String(v)]}" and "${name}"`);
    names[String(v)] = name;
    if (name === 'ignore') ignoreLabel = v;
    else if (v !== 0) values.push(v);
  }
  const fileEnding = (json as { file_ending?: unknown }).file_ending;
  return {
    labels: values.sort((a, b) => a - b),
    names,
    ignoreLabel,
    fileEnding: typeof fileEnding === 'string' ? fileEnding : undefined,
    file,
  };
}

/** Dataset labels from a label-name table (a TotalSegmentator --ml file's header), when there is no dataset.json. */
export function datasetFromTable(table: Map<number, string>, file: string): DatasetLabels {
  const names: Record<string, string> = { '0': 'background' };
  for (const [v, n] of table) names[String(v)] = n;
  return { labels: [...table.keys()].filter((v) => v !== 0).sort((a, b) => a - b), names, file };
}
