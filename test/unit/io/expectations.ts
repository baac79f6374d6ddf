// The nibabel expectations for the shared corpus (scripts/nibabel-expectations.py writes them).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { repoRoot } from '../../helpers/data';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';

export interface Expected {
  file: string;
  nibabelError?: string;
  version: 1 | 2;
  littleEndian: boolean;
  datatypeCode: number;
  bitpix: number;
  dim: number[];
  pixdim: Num[];
  zooms: Num[];
  sclSlope: Num;
  sclInter: Num;
  qformCode: number;
  sformCode: number;
  intentCode: number;
  descrip: string;
  voxOffset: number;
  extensions: [number, number | null][];
  shape: number[];
  affine: number[][];
  affineSource: 'sform' | 'qform' | 'pixdim';
  orientation: string;
  samples: { index: number[]; value: (Num | Num[])[] };
  stats: { min: number | null; max: number | null; sum: number; mean: number | null; count: number; nonFinite: number } | null;
  canonical?: { shape: number[]; affine: number[][]; samples: { index: number[]; value: Num[] } };
}

export function loadExpectations(): Expected[] {
  const p = path.join(repoRoot, 'test', 'fixtures', 'nifti-expectations.json');
  return (JSON.parse(fs.readFileSync(p, 'utf8')) as { files: Expected[] }).files;
}

export function num(x: Num): number {
  return typeof x === 'number' ? x : Number(x);
}

/** The sample rule of the script: deterministic flat indices (x fastest). */
export function sampleIndices(n: number, count = 24): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const s = new Set<number>([0, n - 1]);
  for (let k = 0; k < count - 2; k++) s.add((k * 2654435761) % n);
  return [...s].sort((a, b) => a - b);
}

/** |a - b| <= tol * max(1, |a|, |b|), NaN equal to NaN. */
export function assertClose(actual: number, expected: number, tol: number, what: string): void {
  if (Number.isNaN(expected) && Number.isNaN(actual)) return;
  if (actual === expected) return;
  const ok = Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(actual), Math.abs(expected));
  assert.ok(ok, `${what}: ${actual} != ${expected} (tol ${tol})`);
}

export function assertMatClose(actual: number[][], expected: number[][], tol: number, what: string): void {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) assertClose(actual[r][c], expected[r][c], tol, `${what}[${r}][${c}]`);
}
