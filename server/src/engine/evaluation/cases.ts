import * as fs from 'node:fs';
import * as path from 'node:path';
import { NnsegError } from '../../util/errors';
import type { CaseResult } from './caseJob';
import type { LabelMetrics } from './types';

export class FolderError extends NnsegError {
  constructor(dir: string, problem: string) {
    super(`${dir} ${problem.replace(/\.$/, '')}.`, dir, 'EFOLDER');
  }
}

const ENDINGS = ['.nii.gz', '.nii'];

/** The case id of a file: its name without the NIfTI ending. */
export function caseIdOf(name: string, ending?: string): string | null {
  for (const e of ending ? [ending] : ENDINGS) if (name.toLowerCase().endsWith(e.toLowerCase()) && name.length > e.length) return name.slice(0, -e.length);
  return null;
}

function readFolder(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (e) {
    throw new FolderError(dir, `cannot be read as a folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Case id -> file for the NIfTI files of a folder (hidden files and summary.json ignored). */
export function listCaseFiles(dir: string, ending?: string): Map<string, string> {
  const names = readFolder(dir);
  const out = new Map<string, string>();
  for (const n of names.sort()) {
    if (n.startsWith('.')) continue;
    const id = caseIdOf(n, ending);
    if (id !== null && fs.statSync(path.join(dir, n)).isFile()) out.set(id, path.join(dir, n));
  }
  return out;
}

/** Case id -> folder for TotalSegmentator's default output (one folder per case). */
export function listCaseFolders(dir: string): Map<string, string> {
  const names = readFolder(dir);
  const out = new Map<string, string>();
  for (const n of names.sort()) {
    if (n.startsWith('.')) continue;
    if (fs.statSync(path.join(dir, n)).isDirectory()) out.set(n, path.join(dir, n));
  }
  return out;
}

/** Metrics of a label absent from both maps of a case (so every case has every label). */
export function bothEmpty(totalVoxels: number): LabelMetrics {
  return { tp: 0, fp: 0, fn: 0, tn: totalVoxels, dice: null, iou: null, sensitivity: null, specificity: totalVoxels > 0 ? 1 : null, hd95: null, hd99_9: null, hd100: null, assd: null, refVolumeMm3: 0, predVolumeMm3: 0, empty: 'both' };
}

/** Adds both-empty entries so every evaluated case has each of `labels`. */
export function completeLabels(results: CaseResult[], labels: number[]): void {
  for (const r of results) {
    if (!r.metrics) continue;
    const any = Object.values(r.metrics.labels)[0];
    const total = any ? any.tp + any.fp + any.fn + any.tn : 0;
    for (const l of labels) if (!r.metrics.labels[String(l)]) r.metrics.labels[String(l)] = bothEmpty(total);
  }
}

/** Every label value that got metrics in some case, ascending. */
export function labelsSeen(results: CaseResult[]): number[] {
  const s = new Set<number>();
  for (const r of results) if (r.metrics) for (const k of Object.keys(r.metrics.labels)) s.add(Number(k));
  return [...s].sort((a, b) => a - b);
}
