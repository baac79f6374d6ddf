import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { resize, resizeLabelsLinear } from '../../../server/src/engine/preprocessing/resize';
import { resampleChannel, separateZAxis } from '../../../server/src/engine/preprocessing/resample';
import { cropToNonzero, fillHoles } from '../../../server/src/engine/preprocessing/crop';
import { transpose3 } from '../../../server/src/engine/preprocessing/transpose';
import { sampleForegroundLocations } from '../../../server/src/engine/preprocessing/foreground';

test('cubic resize keeps constants and reproduces linear ramps away from the border', () => {
  const shape = [10, 12, 14];
  const n = shape[0] * shape[1] * shape[2];
  const c = new Float32Array(n).fill(7.25);
  const out = resize(c, shape, [13, 9, 20], 3);
  assert.ok(out.every((v) => Math.abs(v - 7.25) < 1e-5));
  // f(z,y,x) = x: at output x index k the value is the source coordinate (k + 0.5) * in/out - 0.5; the
  // edge padding bends the spline near the borders by ~0.27^distance, so look at the middle
  const ramp = new Float32Array(n);
  for (let i = 0; i < n; i++) ramp[i] = i % shape[2];
  const r = resize(ramp, shape, shape.slice(0, 2).concat([21]), 3);
  for (let k = 9; k < 12; k++) assert.ok(Math.abs(r[k] - ((k + 0.5) * (14 / 21) - 0.5)) < 2e-3, `x=${k}: ${r[k]}`);
});

test('cubic resize clips to the input range (skimage clip=True)', () => {
  const step = new Float32Array(16);
  for (let i = 8; i < 16; i++) step[i] = 1;
  const r = resize(step, [16], [40], 3);
  assert.ok(Math.min(...r) >= 0 && Math.max(...r) <= 1, 'no overshoot outside [0, 1]');
});

test('label resize keeps labels, never invents one, and identity shape is a copy', () => {
  const shape = [6, 7, 8];
  const n = 6 * 7 * 8;
  const l = new Int16Array(n);
  for (let i = 0; i < n; i++) l[i] = (i % 8 < 3 ? 0 : i % 8 < 6 ? 2 : 5) - (i < 56 ? 1 : 0);
  const out = resizeLabelsLinear(l, shape, [9, 5, 12], new Int16Array(9 * 5 * 12));
  const allowed = new Set(Array.from(l));
  assert.ok(Array.from(out).every((v) => allowed.has(v)));
  assert.deepEqual(new Set(Array.from(out)), allowed);
  assert.deepEqual(Array.from(resizeLabelsLinear(l, shape, shape, new Int16Array(n))), Array.from(l));
});

test('separate-z is chosen for anisotropic spacing, on the coarse axis, not for two coarse axes', () => {
  assert.equal(separateZAxis(null, [3.5, 0.8, 0.8], [3.5, 0.8, 0.8]), 0);
  assert.equal(separateZAxis(null, [1, 1, 1], [0.8, 0.8, 4]), 2);
  assert.equal(separateZAxis(null, [1, 1, 1], [1.2, 1.2, 1.2]), null);
  assert.equal(separateZAxis(null, [0.24, 1.25, 1.25], [0.24, 1.25, 1.25]), null);
  assert.equal(separateZAxis(false, [5, 1, 1], [5, 1, 1]), null);
});

test('separate-z resampling: slices are resized in-plane, z by nearest neighbour (slice values kept)', () => {
  const shape = [4, 6, 6];
  const d = new Float32Array(4 * 36);
  for (let z = 0; z < 4; z++) d.fill(z * 10, z * 36, (z + 1) * 36);
  const out = resampleChannel(d, shape, [7, 9, 9], { isSeg: false, order: 3, orderZ: 0, axis: 0 });
  const slices = new Set<number>();
  for (let z = 0; z < 7; z++) {
    const v = out[z * 81];
    for (let i = 0; i < 81; i++) assert.ok(Math.abs(out[z * 81 + i] - v) < 1e-4);
    slices.add(Math.round(v));
  }
  assert.deepEqual([...slices].sort((a, b) => a - b), [0, 10, 20, 30]);
});

test('crop to nonzero: box of the union of channels, holes filled, outside background marked -1', () => {
  const shape = [5, 5, 5];
  const a = new Float32Array(125);
  // hollow 3x3x3 cube in the middle: the hole is filled by the mask
  for (let z = 1; z < 4; z++) for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) if (!(z === 2 && y === 2 && x === 2)) a[z * 25 + y * 5 + x] = 1;
  const seg = new Int16Array(125);
  const r = cropToNonzero([a], seg, shape, (n) => new Int16Array(n));
  assert.deepEqual(r.bbox, [[1, 4], [1, 4], [1, 4]]);
  assert.equal(r.seg[13], 0, 'the filled hole counts as inside');
  assert.ok(Array.from(r.seg).every((v) => v === 0));
  const b = new Float32Array(125);
  b[0] = 3; // a second channel extends the box
  const r2 = cropToNonzero([a, b], null, shape, (n) => new Int16Array(n));
  assert.deepEqual(r2.bbox, [[0, 4], [0, 4], [0, 4]]);
  assert.equal(r2.seg[1], -1, 'outside the mask');
  const m = new Uint8Array(27).fill(1);
  m[13] = 0;
  assert.equal(fillHoles(m, [3, 3, 3])[13], 1);
});

test('transpose3 permutes axes like numpy', () => {
  const d = Float32Array.from({ length: 24 }, (_, i) => i);
  const t = transpose3(d, [2, 3, 4], [2, 0, 1], (n) => new Float32Array(n));
  assert.deepEqual(t.shape, [4, 2, 3]);
  // t[x, z, y] = d[z, y, x]
  assert.equal(t.data[(3 * 2 + 1) * 3 + 2], d[1 * 12 + 2 * 4 + 3]);
});

test('foreground locations: min(10000, n) but at least 1% per class, inside the class, empty when absent', () => {
  const shape = [10, 100, 120];
  const seg = new Int8Array(120000);
  for (let i = 0; i < 20000; i++) seg[i] = 1;
  seg[50000] = 2;
  const locs = sampleForegroundLocations(seg, shape, [1, 2, 3, [1, 2]]);
  assert.equal(locs['1'].length / 3, 10000);
  assert.equal(locs['2'].length / 3, 1);
  assert.equal(locs['3'].length, 0);
  assert.equal(locs['1,2'].length / 3, 10000);
  for (let t = 0; t < locs['1'].length; t += 3) {
    const [z, y, x] = [locs['1'][t], locs['1'][t + 1], locs['1'][t + 2]];
    assert.equal(seg[(z * 100 + y) * 120 + x], 1);
  }
  const big = new Int8Array(2_000_000).fill(1);
  assert.equal(sampleForegroundLocations(big, [20, 100, 1000], [1])['1'].length / 3, 20000, '1% of 2e6');
});
