import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { computeCaseMetrics } from '../../../server/src/engine/evaluation/caseMetrics';
import { boxSurfaces } from '../../../server/src/engine/evaluation/surface';
import type { Shape3 } from '../../../server/src/engine/evaluation/types';

function vol(shape: Shape3, voxels: [number, number, number][], label = 1): Uint8Array {
  const a = new Uint8Array(shape[0] * shape[1] * shape[2]);
  for (const [z, y, x] of voxels) a[(z * shape[1] + y) * shape[2] + x] = label;
  return a;
}

function box(z0: number, z1: number, y0: number, y1: number, x0: number, x1: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let z = z0; z <= z1; z++) for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) out.push([z, y, x]);
  return out;
}

const close = (a: number | null, b: number, msg?: string) => {
  assert.ok(a !== null, `${msg ?? ''} is null`);
  assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ''}: ${a} != ${b}`);
};

test('two single voxels: every distance is their spacing-scaled centre distance', () => {
  const shape: Shape3 = [4, 5, 6];
  const spacing: Shape3 = [2.5, 0.7, 1.3];
  const m = computeCaseMetrics(vol(shape, [[0, 0, 0]]), vol(shape, [[1, 2, 3]]), shape, spacing).labels['1'];
  const d = Math.sqrt(2.5 * 2.5 + 1.4 * 1.4 + 3.9 * 3.9);
  for (const k of ['hd95', 'hd99_9', 'hd100', 'assd'] as const) close(m[k], d, k);
  assert.equal(m.tp, 0);
  assert.equal(m.fp, 1);
  assert.equal(m.fn, 1);
  assert.equal(m.tn, 4 * 5 * 6 - 2);
  assert.equal(m.dice, 0);
  assert.equal(m.iou, 0);
  close(m.refVolumeMm3, 2.5 * 0.7 * 1.3);
});

test('identical single voxels: Dice 1 and distance 0', () => {
  const shape: Shape3 = [3, 3, 3];
  const m = computeCaseMetrics(vol(shape, [[1, 1, 1]]), vol(shape, [[1, 1, 1]]), shape, [1, 1, 1]).labels['1'];
  assert.equal(m.dice, 1);
  assert.equal(m.iou, 1);
  assert.equal(m.sensitivity, 1);
  assert.equal(m.specificity, 1);
  assert.equal(m.hd95, 0);
  assert.equal(m.hd100, 0);
  assert.equal(m.assd, 0);
});

test('2x2x2 cubes shifted by one voxel along x: half the surface at 0, half at sx', () => {
  const shape: Shape3 = [4, 4, 5];
  const spacing: Shape3 = [1.5, 2, 0.8];
  const m = computeCaseMetrics(vol(shape, box(1, 2, 1, 2, 0, 1)), vol(shape, box(1, 2, 1, 2, 1, 2)), shape, spacing).labels['1'];
  assert.equal(m.tp, 4);
  assert.equal(m.fp, 4);
  assert.equal(m.fn, 4);
  close(m.dice, 0.5);
  close(m.iou, 1 / 3);
  close(m.sensitivity, 0.5);
  close(m.specificity, (80 - 12) / (80 - 12 + 4));
  // each direction: [0,0,0,0,sx,sx,sx,sx]; p95 index 6.65 -> sx
  close(m.hd95, 0.8);
  close(m.hd100, 0.8);
  close(m.assd, 0.4);
});

test('cubes shifted by 3 voxels along z: the far face sets HD100, the percentile interpolates', () => {
  // A: z 0..3, B: z 3..6 (4x4x4 cubes, 1 overlapping slice), spacing 1: distances from A's surface to B's.
  const shape: Shape3 = [8, 6, 6];
  const m = computeCaseMetrics(vol(shape, box(0, 3, 1, 4, 1, 4)), vol(shape, box(3, 6, 1, 4, 1, 4)), shape, [1, 1, 1]).labels['1'];
  // A's surface: z=0 face (16), z=1,2 rings (12 each), z=3 face (16) = 56 voxels.
  // Nearest B-surface voxel: z=3 face -> 0; ring voxels at z=1,2 -> B's ring at z=3 plane (3-z); the 4 interior
  // voxels of the z=0 face -> 3; z=0 ring voxels -> 3 (B's z=3 face is surface everywhere).
  // Distances: 16 x 0, 12 x 2 (z=1), 12 x 1 (z=2), 16 x 3 (z=0).
  const d = [...Array(16).fill(0), ...Array(12).fill(1), ...Array(12).fill(2), ...Array(16).fill(3)];
  const n = d.length;
  const p = (q: number) => {
    const v = (n - 1) * (q / 100);
    const lo = Math.floor(v);
    return d[lo] + (d[Math.min(lo + 1, n - 1)] - d[lo]) * (v - lo);
  };
  close(m.hd100, 3);
  close(m.hd95, p(95));
  close(m.hd99_9, p(99.9));
  close(m.assd, d.reduce((a, b) => a + b, 0) / n);
});

test('a line of 10 voxels against its first voxel: max and pooled percentiles differ as numpy says', () => {
  const shape: Shape3 = [1, 1, 10];
  const spacing: Shape3 = [1, 1, 0.5];
  const ref = vol(shape, box(0, 0, 0, 0, 0, 9));
  const pred = vol(shape, [[0, 0, 0]]);
  const mx = computeCaseMetrics(ref, pred, shape, spacing, { hdMode: 'max' }).labels['1'];
  const pooled = computeCaseMetrics(ref, pred, shape, spacing, { hdMode: 'pooled' }).labels['1'];
  // ref->pred: 0, 0.5, ..., 4.5 (every voxel of a one-voxel-thick line is surface); pred->ref: 0.
  close(mx.hd95, 0.5 * 8.55); // np.percentile(arange(10), 95) = 8.55
  close(mx.hd99_9, 0.5 * 8.991);
  close(pooled.hd95, 0.5 * 8.5); // np.percentile([0,0,1..9], 95) = 8.5
  close(pooled.hd99_9, 0.5 * 8.99);
  close(mx.hd100, 4.5);
  close(pooled.hd100, 4.5);
  close(mx.assd, (0.5 * 45) / 11);
  close(pooled.assd, (0.5 * 45) / 11);
});

test('the grid border counts as outside: a mask filling a 3x3x3 grid has 26 surface voxels', () => {
  const shape: Shape3 = [3, 3, 3];
  const full = new Uint8Array(27).fill(1);
  const s = boxSurfaces(full, full, shape, 1, [0, 0, 0, 2, 2, 2]);
  assert.equal(s.ref.length, 26);
  assert.ok(!Array.from(s.ref).includes(13), 'the centre voxel is not surface');
  const cube = vol([5, 5, 5], box(1, 3, 1, 3, 1, 3));
  assert.equal(boxSurfaces(cube, cube, [5, 5, 5], 1, [1, 1, 1, 3, 3, 3]).ref.length, 26);
});

test('empty masks follow the documented rules', () => {
  const shape: Shape3 = [3, 4, 5];
  const one = vol(shape, [[1, 1, 1]]);
  const none = new Uint8Array(60);
  const both = computeCaseMetrics(none, none, shape, [1, 1, 1], { labels: [1] }).labels['1'];
  assert.deepEqual(
    { dice: both.dice, iou: both.iou, sens: both.sensitivity, spec: both.specificity, hd: both.hd95, assd: both.assd, empty: both.empty },
    { dice: null, iou: null, sens: null, spec: 1, hd: null, assd: null, empty: 'both' },
  );
  const refEmpty = computeCaseMetrics(none, one, shape, [1, 1, 1]).labels['1'];
  assert.deepEqual([refEmpty.dice, refEmpty.iou, refEmpty.sensitivity, refEmpty.hd95, refEmpty.hd100, refEmpty.empty], [0, 0, null, null, null, 'ref']);
  const predEmpty = computeCaseMetrics(one, none, shape, [1, 1, 1]).labels['1'];
  assert.deepEqual([predEmpty.dice, predEmpty.iou, predEmpty.sensitivity, predEmpty.hd95, predEmpty.empty], [0, 0, 0, null, 'pred']);
  assert.equal(predEmpty.specificity, 1);
});

test('labels default to every non-zero value of either map; one pass counts them all', () => {
  const shape: Shape3 = [2, 3, 4];
  const ref = new Uint8Array(24);
  const pred = new Uint8Array(24);
  ref.set([1, 1, 2, 0, 5], 0);
  pred.set([1, 2, 2, 3, 0], 0);
  const m = computeCaseMetrics(ref, pred, shape, [1, 1, 1]);
  assert.deepEqual(Object.keys(m.labels), ['1', '2', '3', '5']);
  assert.deepEqual([m.labels['1'].tp, m.labels['1'].fp, m.labels['1'].fn], [1, 0, 1]);
  assert.deepEqual([m.labels['2'].tp, m.labels['2'].fp, m.labels['2'].fn], [1, 1, 0]);
  assert.equal(m.labels['3'].empty, 'ref');
  assert.equal(m.labels['5'].empty, 'pred');
  for (const l of Object.values(m.labels)) assert.equal(l.tp + l.fp + l.fn + l.tn, 24);
});

test('the ignore label removes its reference voxels from every count', () => {
  const shape: Shape3 = [1, 1, 6];
  const ref = Uint8Array.from([1, 1, 9, 9, 0, 0]);
  const pred = Uint8Array.from([1, 0, 1, 0, 1, 0]);
  const m = computeCaseMetrics(ref, pred, shape, [1, 1, 1], { ignoreLabel: 9 }).labels['1'];
  assert.deepEqual([m.tp, m.fp, m.fn, m.tn], [1, 1, 1, 1]);
  assert.equal(m.predVolumeMm3, 2);
});

test('float label maps with fractions and non-positive spacing are refused', () => {
  const shape: Shape3 = [1, 1, 2];
  assert.throws(() => computeCaseMetrics(Float32Array.from([0, 1.5]), Float32Array.from([0, 1]), shape, [1, 1, 1]), /1\.5, which is not an integer label/);
  assert.throws(() => computeCaseMetrics(Uint8Array.from([0, 1]), Uint8Array.from([0, 1]), shape, [1, 0, 1]), /spacing/);
  const ok = computeCaseMetrics(Float32Array.from([0, 2]), Int16Array.from([0, 2]), shape, [1, 1, 1]);
  assert.equal(ok.labels['2'].dice, 1);
});
