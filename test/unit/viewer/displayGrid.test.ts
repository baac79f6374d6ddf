import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyAffine } from '../../../client/src/viewer/affine';
import { ViewId, axisWorld, displayGrid, nearestVoxel, planeOf, planeToWorld, sampleIndices, viewMarkers, worldToPlane } from '../../../client/src/viewer/displayGrid';
import { corpusFile, skipNoCorpus } from '../../helpers/data';
import { readNifti1 } from './niftiRead';

const ORDERS = ['RAS', 'LAS', 'LPI', 'AIL', 'PSR', 'SAR', 'IRP'];
const VIEWS: ViewId[] = ['axial', 'coronal', 'sagittal'];

function plane(file: string, view: ViewId, radiological: boolean, world?: number[]) {
  const v = readNifti1(file);
  const grid = displayGrid(v.dims, v.affine);
  const centre = world ?? [0, 1, 2].map((a) => axisWorld(grid.axes[a], Math.floor(grid.axes[a].count / 2)));
  const p = planeOf(grid, view, radiological, centre);
  const idx = sampleIndices(grid, p);
  return { width: p.width, height: p.height, values: Array.from(idx, (i) => (i < 0 ? -1 : v.data[i])), centre };
}

test('the same scan stored in 7 axis orders gives identical axial, coronal and sagittal slices', { skip: skipNoCorpus }, () => {
  for (const radiological of [true, false]) {
    for (const view of VIEWS) {
      const ref = plane(corpusFile('gh-niivue/nifti_space/RAS.nii.gz'), view, radiological);
      assert.ok(new Set(ref.values).size > 20, 'the reference slice has anatomy');
      for (const o of ORDERS.slice(1)) {
        const got = plane(corpusFile(`gh-niivue/nifti_space/${o}.nii.gz`), view, radiological, ref.centre);
        assert.equal(got.width, ref.width, `${o} ${view} width`);
        assert.equal(got.height, ref.height, `${o} ${view} height`);
        assert.deepEqual(got.values, ref.values, `${o} ${view} (${radiological ? 'radiological' : 'neurological'})`);
      }
    }
  }
});

test('radiological and neurological views are mirror images left-right', { skip: skipNoCorpus }, () => {
  const f = corpusFile('gh-niivue/nifti_space/LPI.nii.gz');
  const rad = plane(f, 'axial', true);
  const neu = plane(f, 'axial', false, rad.centre);
  for (let y = 0; y < rad.height; y++) {
    const row = rad.values.slice(y * rad.width, (y + 1) * rad.width);
    assert.deepEqual(neu.values.slice(y * rad.width, (y + 1) * rad.width), row.reverse());
  }
});

test('orientation letters: radiological axial has R on the left, A on top; sagittal looks from the left', () => {
  assert.deepEqual(viewMarkers('axial', true), { left: 'R', right: 'L', top: 'A', bottom: 'P' });
  assert.deepEqual(viewMarkers('axial', false), { left: 'L', right: 'R', top: 'A', bottom: 'P' });
  assert.deepEqual(viewMarkers('coronal', true), { left: 'R', right: 'L', top: 'S', bottom: 'I' });
  assert.deepEqual(viewMarkers('sagittal', true), { left: 'A', right: 'P', top: 'S', bottom: 'I' });
  assert.deepEqual(viewMarkers('sagittal', false), { left: 'P', right: 'A', top: 'S', bottom: 'I' });
});

test('the patient right (+x) is drawn on the screen left in radiological axial slices', () => {
  // A 3x1x1 volume whose voxel i=2 lies at the largest x (patient right).
  const grid = displayGrid([3, 1, 1], [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
  const p = planeOf(grid, 'axial', true, [0, 0, 0]);
  assert.deepEqual(Array.from(sampleIndices(grid, p)), [2, 1, 0]);
  assert.deepEqual(Array.from(sampleIndices(grid, planeOf(grid, 'axial', false, [0, 0, 0]))), [0, 1, 2]);
});

test('anisotropic voxels: the plane keeps each axis at its own spacing, so mm are square on screen', () => {
  const grid = displayGrid([512, 512, 40], [[0.7, 0, 0, 0], [0, 0.7, 0, 0], [0, 0, 5, 0], [0, 0, 0, 1]]);
  const cor = planeOf(grid, 'coronal', true, [0, 0, 0]);
  assert.deepEqual([cor.width, cor.height, cor.du, cor.dv], [512, 40, 0.7, 5]);
});

test('oblique FLAIR (19 deg): every plane sample is the nearest voxel of its world point', { skip: skipNoCorpus }, () => {
  const v = readNifti1(corpusFile('gh-niivue/FLAIR.nii.gz'));
  const grid = displayGrid(v.dims, v.affine);
  const world = applyAffine(v.affine, [31, 37, 70]);
  for (const view of VIEWS) {
    const p = planeOf(grid, view, true, world);
    const idx = sampleIndices(grid, p);
    // The crosshair's own sample maps back to voxel (31, 37, 70).
    const [u, vv] = worldToPlane(grid, p, world).map(Math.round);
    const [nx, ny] = v.dims;
    const i = idx[vv * p.width + u];
    const w = planeToWorld(grid, p, u, vv);
    const near = nearestVoxel(grid, w)!;
    assert.equal(i, near[0] + near[1] * nx + near[2] * nx * ny, view);
    // Spot-check samples across the plane against an independent nearest-voxel lookup.
    for (let k = 0; k < 200; k++) {
      const su = Math.floor((k * 7919) % p.width);
      const sv = Math.floor((k * 104729) % p.height);
      const vox = nearestVoxel(grid, planeToWorld(grid, p, su, sv));
      assert.equal(idx[sv * p.width + su], vox ? vox[0] + vox[1] * nx + vox[2] * nx * ny : -1);
    }
  }
  assert.ok(grid.axes[2].count > v.dims[2], 'the world box of an oblique volume is larger than its grid');
});
