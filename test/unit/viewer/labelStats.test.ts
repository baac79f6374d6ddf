import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invertAffine, voxelVolumeMm3 } from '../../../client/src/viewer/affine';
import { COMPARE_CODE, compareLabelMaps, gridMismatch, labelBoundary, labelCounts, percentiles } from '../../../client/src/viewer/labelStats';
import { corpusFile, skipNoCorpus } from '../../helpers/data';
import { readNifti1 } from './niftiRead';

test('label counts, volumes and centroids of lesion.nii.gz match nibabel', { skip: skipNoCorpus }, () => {
  const l = readNifti1(corpusFile('gh-niivue/lesion.nii.gz'));
  const vv = voxelVolumeMm3(l.affine);
  assert.ok(Math.abs(vv - 1) < 1e-4, `1 mm isotropic (oblique): |det| = ${vv}`);
  const c = labelCounts(l.data, vv, l.dims);
  // nibabel: np.unique -> 1: 1125, 2: 27069, 3: 4287; centroids (np.argwhere mean) 31.7,37.1,69.6 / 70.5,60.5,78.6 / 63.0,94.3,63.3
  assert.deepEqual(c.map((x) => [x.label, x.voxels]), [[1, 1125], [2, 27069], [3, 4287]]);
  assert.ok(Math.abs(c[1].volumeMm3 - 27069.0017) < 0.01);
  const cent = c.map((x) => x.centroid!.map((v) => Math.round(v * 10) / 10));
  assert.deepEqual(cent, [[31.7, 37.1, 69.6], [70.5, 60.5, 78.6], [63, 94.3, 63.3]]);
});

test('label counts: anisotropic voxel volume, float labels rounded, background and negatives ignored', () => {
  const c = labelCounts(new Float32Array([0, 1, 1.0000001, 2, -3, 0, 2, 1500]), 0.7 * 0.7 * 5);
  assert.deepEqual(c.map((x) => [x.label, x.voxels]), [[1, 2], [2, 2], [1500, 1]]);
  assert.ok(Math.abs(c[0].volumeMm3 - 4.9) < 1e-9);
});

test('compare: TP/FP/FN/Dice of a 2-voxel shift of lesion.nii.gz match numpy', { skip: skipNoCorpus }, () => {
  const ref = readNifti1(corpusFile('gh-niivue/lesion.nii.gz'));
  const [nx] = ref.dims;
  const pred = new Float64Array(ref.data.length);
  for (let r = 0; r < ref.data.length / nx; r++) for (let i = 2; i < nx; i++) pred[r * nx + i] = ref.data[r * nx + i - 2];
  const { perLabel, codes } = compareLabelMaps(pred, ref.data);
  // numpy at authoring time: label 1: 741 384 384 0.6587; 2: 17577 9492 9492 0.6493; 3: 2291 1861 1996 0.5430
  assert.deepEqual(
    perLabel.map((x) => [x.label, x.tp, x.fp, x.fn, Math.round(x.dice * 1e4) / 1e4]),
    [[1, 741, 384, 384, 0.6587], [2, 17577, 9492, 9492, 0.6493], [3, 2291, 1861, 1996, 0.543]],
  );
  const tp = codes.reduce((n, c) => n + (c === COMPARE_CODE.tp ? 1 : 0), 0);
  assert.equal(tp, 741 + 17577 + 2291);
});

test('compare: label swaps, one-label mode, and NaN Dice when a label is in neither map', () => {
  const pred = [0, 1, 1, 2, 0, 0];
  const ref = [0, 1, 2, 2, 2, 0];
  const all = compareLabelMaps(pred, ref);
  assert.deepEqual(Array.from(all.codes), [0, 1, 4, 1, 3, 0]);
  assert.deepEqual(all.perLabel.map((x) => [x.label, x.tp, x.fp, x.fn]), [[1, 1, 1, 0], [2, 1, 0, 2]]);
  const only2 = compareLabelMaps(pred, ref, 2);
  assert.deepEqual(Array.from(only2.codes), [0, 0, 3, 1, 3, 0]);
  assert.deepEqual(only2.perLabel.map((x) => [x.label, x.tp, x.fp, x.fn]), [[2, 1, 0, 2]]);
  const none = compareLabelMaps([0, 0], [0, 0], 5);
  assert.ok(Number.isNaN(none.perLabel[0].dice));
  assert.throws(() => compareLabelMaps([0], [0, 0]), /1 voxels but reference has 2/);
});

test('grid check: FLAIR and lesion share a grid, aal does not; float32 round-off is tolerated', { skip: skipNoCorpus }, () => {
  const g = (f: string) => {
    const v = readNifti1(corpusFile(`gh-niivue/${f}`));
    return { dims: v.dims, affine: v.affine };
  };
  assert.equal(gridMismatch(g('FLAIR.nii.gz'), g('lesion.nii.gz')), undefined);
  assert.match(gridMismatch(g('aal.nii.gz'), g('FLAIR.nii.gz'))!, /grid 181x217x181 differs from 124x160x140/);
  const a = g('FLAIR.nii.gz');
  const nudged = { dims: a.dims, affine: a.affine.map((r) => r.map((x) => x + 1e-5)) };
  assert.equal(gridMismatch(a, nudged), undefined);
  const shifted = { dims: a.dims, affine: a.affine.map((r, i) => r.map((x, j) => (i === 0 && j === 3 ? x + 0.5 : x))) };
  assert.match(gridMismatch(a, shifted)!, /row 1, column 4/);
});

test('percentiles from the histogram are within one bin of the exact ones', () => {
  const data = new Int32Array(100001);
  for (let i = 0; i < data.length; i++) data[i] = i - 50000;
  const [p005, p50, p995] = percentiles(data, [0.005, 0.5, 0.995]);
  const bin = 100000 / 4096;
  assert.ok(Math.abs(p005 - -49500) <= bin, String(p005));
  assert.ok(Math.abs(p50 - 0) <= bin, String(p50));
  assert.ok(Math.abs(p995 - 49500) <= bin, String(p995));
  assert.deepEqual(percentiles(new Uint8Array([7, 7, 7]), [0.1, 0.9]), [7, 7]);
});

test('label boundary keeps the surface of a cube and empties its inside', () => {
  const n = 5;
  const data = new Uint8Array(n * n * n);
  for (let k = 1; k < 4; k++) for (let j = 1; j < 4; j++) for (let i = 1; i < 4; i++) data[i + j * n + k * n * n] = 3;
  const b = labelBoundary(data, [n, n, n]);
  assert.equal(b[2 + 2 * n + 2 * n * n], 0, 'centre is interior');
  assert.equal(b.reduce((s, v) => s + (v ? 1 : 0), 0), 27 - 1);
  // A single-slice image has no neighbours across the slice: only in-plane edges count.
  const flat = new Uint8Array(9).fill(1);
  assert.deepEqual(Array.from(labelBoundary(flat, [3, 3, 1])), [1, 1, 1, 1, 0, 1, 1, 1, 1]);
});

test('affine inverse round-trips an oblique matrix', () => {
  const a = [[0.9936, 0.016, 0.1119, -64.9], [-0.0497, 0.9509, 0.3054, -110.4], [-0.1015, -0.309, 0.9456, -27.9], [0, 0, 0, 1]];
  const inv = invertAffine(a);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r][k] * inv[k][c];
      assert.ok(Math.abs(s - (r === c ? 1 : 0)) < 1e-9);
    }
  }
  assert.throws(() => invertAffine([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]), /singular/);
});
