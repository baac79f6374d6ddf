// Orientation codes, canonical reorientation and back, and geometry comparison.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { corpusFile, skipNoCorpus } from '../../helpers/data';
import {
  compareGeometry,
  orientationCode,
  readNifti,
  reorientData,
  reorientFromCanonical,
  reorientToCanonical,
  canonicalOrientation,
  type NiftiVolume,
} from '../../../server/src/engine/io';
import { assertMatClose } from './expectations';

const AXIS_ORDERS = ['RAS', 'LAS', 'LPI', 'AIL', 'PSR', 'SAR', 'IRP'];

test('the 7 axis-order files give the same array, affine and spacing after canonical reorientation', { skip: skipNoCorpus }, async () => {
  let ref: NiftiVolume | undefined;
  for (const code of AXIS_ORDERS) {
    const vol = await readNifti(corpusFile(`gh-niivue/nifti_space/${code}.nii.gz`));
    assert.equal(orientationCode(vol.affine), code);
    const c = reorientToCanonical(vol);
    assert.equal(orientationCode(c.volume.affine), 'RAS');
    ref ??= c.volume;
    assert.deepEqual(c.volume.shape, ref.shape, code);
    assert.deepEqual(c.volume.spacing, ref.spacing, code);
    assertMatClose(c.volume.affine, ref.affine, 1e-5, `${code} canonical affine`);
    assert.ok(Buffer.from(c.volume.data.buffer).equals(Buffer.from(ref.data.buffer)), `${code}: canonical voxels differ from RAS`);
    assert.deepEqual(compareGeometry(c.volume, ref), []);
    // And back into the file's own order, exactly.
    const back = reorientFromCanonical(c.volume.data, c.volume.shape, c.orientation);
    assert.deepEqual(back.shape, vol.shape);
    assert.ok(Buffer.from(back.data.buffer).equals(Buffer.from(vol.data.buffer)), `${code}: back to file order`);
  }
});

test('orientation codes of hand-made affines', () => {
  const diag = (x: number, y: number, z: number) => [[x, 0, 0, 0], [0, y, 0, 0], [0, 0, z, 0], [0, 0, 0, 1]];
  assert.equal(orientationCode(diag(1, 1, 1)), 'RAS');
  assert.equal(orientationCode(diag(-1, -1, 1)), 'LPS');
  assert.equal(orientationCode(diag(-2, 1, -3)), 'LAI');
  assert.equal(orientationCode([[0, 0, 1, 0], [1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 0, 1]]), 'AIR');
  // 30 degrees oblique: still closest to RAS; shear does not change the answer.
  const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
  assert.equal(orientationCode([[c, -s, 0, 0], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]), 'RAS');
  assert.equal(orientationCode([[1, 0.4, 0, 0], [0, 1, 0.3, 0], [0, 0, 1, 0], [0, 0, 0, 1]]), 'RAS');
  // A degenerate axis is '?'.
  assert.equal(orientationCode([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]), 'RA?');
});

test('reorientation carries leading axes (time) and trailing components along', () => {
  // [t=2, z=2, y=3, x=4], flipped in x (an LAS grid).
  const shape = [2, 2, 3, 4];
  const data = new Int16Array(48).map((_, i) => i);
  const o = canonicalOrientation([[-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
  const r = reorientData(data, shape, o);
  assert.deepEqual(r.shape, shape);
  assert.deepEqual([...r.data.subarray(0, 4)], [3, 2, 1, 0]);
  assert.deepEqual([...r.data.subarray(24, 28)], [27, 26, 25, 24]);
  // x and z swapped, with RGB components: shape [z=2, y=1, x=3, c=3] -> [3, 1, 2, 3].
  const rgb = new Uint8Array(18).map((_, i) => i);
  const swap = canonicalOrientation([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]);
  const q = reorientData(rgb, [2, 1, 3, 3], swap, 3);
  assert.deepEqual(q.shape, [3, 1, 2, 3]);
  // new (i=z0..1, k=x0..2): first voxel is old (x0,z0) = components 0,1,2; second is old (x0, z1) = 9,10,11.
  assert.deepEqual([...q.data.subarray(0, 6)], [0, 1, 2, 9, 10, 11]);
  const back = reorientData(q.data, q.shape, [{ axis: 2, flip: false }, { axis: 1, flip: false }, { axis: 0, flip: false }], 3);
  assert.deepEqual([...back.data], [...rgb]);
});

test('compareGeometry: image and its own label match; shifted, rescaled, resized, flipped grids do not', { skip: skipNoCorpus }, async () => {
  const img = await readNifti(corpusFile('gh-totalsegmentator/example_ct_sm.nii.gz'));
  const seg = await readNifti(corpusFile('gh-totalsegmentator/example_seg.nii.gz'), { raw: true });
  assert.deepEqual(compareGeometry(img, seg), []);
  assert.deepEqual(compareGeometry(img.header, seg.header), []);
  const grid = { shape: img.shape, spacing: img.spacing, affine: img.affine.map((r) => [...r]) };
  grid.affine[0][3] += 0.5;
  const shifted = compareGeometry(img, grid);
  assert.deepEqual(shifted.map((d) => d.what), ['affine']);
  assert.match(shifted[0].message, /0\.500/);
  // Within tolerance: float32 rounding noise.
  grid.affine[0][3] = img.affine[0][3] + 1e-5;
  assert.deepEqual(compareGeometry(img, grid), []);
  assert.deepEqual(compareGeometry(img, { ...grid, spacing: [3, 3, 3.01] }).map((d) => d.what), ['spacing']);
  assert.deepEqual(compareGeometry(img, { ...grid, spacing: [3, 3, 3.01] }, { spacingTol: 0.01 }), []);
  assert.deepEqual(compareGeometry(img, { ...grid, shape: [30, 101, 121] }).map((d) => d.what), ['shape']);
  const las = img.affine.map((r) => [...r]);
  las[0][0] = -las[0][0];
  assert.deepEqual(compareGeometry(img, { ...grid, affine: las }).map((d) => d.what), ['orientation', 'affine']);
  // A 4D image against a 3D label: only the spatial grid is compared.
  const four = { shape: [5, ...img.shape], spacing: img.spacing, affine: img.affine };
  assert.deepEqual(compareGeometry(four, seg), []);
});
