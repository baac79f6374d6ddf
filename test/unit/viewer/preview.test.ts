import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { test } from 'node:test';
import { applyAffine } from '../../../client/src/viewer/affine';
import { displayGrid, nearestVoxel } from '../../../client/src/viewer/displayGrid';
import { PreviewRunner, planPreview, previewAffine, subsample } from '../../../server/src/lsp/imagePreview';
import { corpusFile, skipNoCorpus, tempDir } from '../../helpers/data';
import { readNifti1 } from './niftiRead';

const close = (a: number[], b: number[], tol: number, what: string) => {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}: ${a.join(', ')} vs ${b.join(', ')}`);
};

/** Every preview voxel sits at the world position of the file voxel it was sampled from, with its value. */
function checkPreserved(dims: number[], affine: number[][], data: ArrayLike<number>, plan: ReturnType<typeof planPreview>, out: ArrayLike<number>, pa: number[][]) {
  const [ox, oy, oz] = plan.out;
  assert.equal(out.length, ox * oy * oz);
  let o = 0;
  for (let k = 0; k < oz; k++) {
    for (let j = 0; j < oy; j++) {
      for (let i = 0; i < ox; i++, o++) {
        const src = [0, 1, 2].map((a) => plan.factors[a] * [i, j, k][a] + plan.offsets[a]);
        for (let a = 0; a < 3; a++) assert.ok(src[a] >= 0 && src[a] < dims[a], `sample ${src} inside ${dims}`);
        // Checking every voxel's world position is slow for big grids: corners, edges and a stride.
        if ((i === 0 || i === ox - 1 || i % 7 === 0) && (j === 0 || j === oy - 1 || j % 5 === 0)) {
          close(applyAffine(pa, [i, j, k]), applyAffine(affine, src), 1e-6, `preview voxel ${i},${j},${k}`);
        }
        assert.equal(out[o], data[src[0] + src[1] * dims[0] + src[2] * dims[0] * dims[1]], `value of preview voxel ${i},${j},${k}`);
      }
    }
  }
  // The far edge is covered up to the last block whose centre voxel is in the file.
  for (let a = 0; a < 3; a++) assert.ok(dims[a] - 1 - (plan.factors[a] * (plan.out[a] - 1) + plan.offsets[a]) < plan.factors[a], `axis ${a} covered`);
}

test('preview plan: a 512x512x300 int16 CT fits 4 MiB as every 4th x 4th x 3rd voxel (close to cubes in mm)', () => {
  const plan = planPreview([512, 512, 300], 2, [0.7, 0.7, 1]);
  assert.deepEqual(plan.factors, [4, 4, 3]);
  assert.deepEqual(plan.offsets, [1, 1, 1]);
  assert.deepEqual(plan.out, [128, 128, 100]);
  assert.ok(plan.out[0] * plan.out[1] * plan.out[2] * 2 <= 4 * 2 ** 20);
});

test('preview plan: small images are not subsampled; thick slices keep their slices until in-plane is as coarse', () => {
  assert.deepEqual(planPreview([124, 160, 140], 1, [1, 1, 1]).factors, [1, 1, 1]);
  // 0.5 x 0.5 x 5 mm: the in-plane axes are coarsened first, z only once they pass 5 mm.
  const thick = planPreview([1024, 1024, 40], 2, [0.5, 0.5, 5], 1 << 20);
  assert.equal(thick.factors[2], 1);
  assert.ok(thick.factors[0] >= 4 && thick.factors[1] >= 4);
  assert.ok(thick.out[0] * thick.out[1] * thick.out[2] * 2 <= 1 << 20);
  // 2D images and single-voxel axes stay valid.
  const flat = planPreview([2000, 3000, 1], 4, [1, 1, 1], 1 << 20);
  assert.equal(flat.out[2], 1);
  assert.ok(flat.out[0] * flat.out[1] * 4 <= 1 << 20);
});

test('preview geometry: voxel centres keep their world position and value (oblique affine, dims not divisible)', () => {
  const dims = [37, 29, 23];
  const n = dims[0] * dims[1] * dims[2];
  const data = new Int16Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 7919) % 4001) - 2000;
  // Rotated, sheared and anisotropic, with an offset: nothing lines up with the world axes.
  const affine = [
    [0.7 * Math.cos(0.3), -0.9 * Math.sin(0.3), 0.2, -31.5],
    [0.7 * Math.sin(0.3), 0.9 * Math.cos(0.3), -0.1, 12.25],
    [0.05, 0.1, 2.5, -80],
    [0, 0, 0, 1],
  ];
  for (const maxBytes of [n * 2, 4000, 900, 64]) {
    const plan = planPreview(dims, 2, [0, 1, 2].map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c])), maxBytes);
    assert.ok(plan.out[0] * plan.out[1] * plan.out[2] * 2 <= Math.max(maxBytes, 2), `${maxBytes} bytes`);
    const out = subsample(data, plan, Int16Array);
    const pa = previewAffine(affine, plan);
    checkPreserved(dims, affine, data, plan, out, pa);
    // The viewer finds the preview voxel again from its world position (its display grid of the preview).
    const grid = displayGrid(plan.out, pa);
    const mid = plan.out.map((d) => Math.floor(d / 2));
    assert.deepEqual(nearestVoxel(grid, applyAffine(pa, mid)), mid);
    // ... and the file voxel it came from, on the file's own grid.
    const src = mid.map((x, a) => plan.factors[a] * x + plan.offsets[a]);
    assert.deepEqual(nearestVoxel(displayGrid(dims, affine), applyAffine(pa, mid)), src);
  }
});

test('backend preview of real files (worker thread): values and world positions match an independent reader', { skip: skipNoCorpus }, async () => {
  const runner = new PreviewRunner(path.join(__dirname, '..', '..', '..', 'server', 'src', 'lsp', 'imagePreviewWorker.js'));
  // shear.nii.gz: sheared sform, 0.48 x 0.48 x 2.37 mm, 306 x 422 x 54 (no factor divides it);
  // FLAIR.nii.gz: oblique; example_ct_sm.nii.gz: int16 CT.
  for (const [rel, maxBytes] of [
    ['gh-niivue/shear.nii.gz', 300_000],
    ['gh-niivue/FLAIR.nii.gz', 200_000],
    ['gh-totalsegmentator/example_ct_sm.nii.gz', 50_000],
  ] as const) {
    const file = corpusFile(rel);
    const ref = readNifti1(file);
    const r = await runner.run({ path: file, maxBytes });
    assert.ok(r.ok, `${rel}: ${r.error}`);
    assert.deepEqual(r.fileDims, ref.dims);
    close(r.fileAffine!.flat(), ref.affine.flat(), 1e-6, `${rel} file affine`);
    assert.ok(r.factors!.some((f) => f > 1), `${rel} is subsampled`);
    const Ctor = { uint8: Uint8Array, int16: Int16Array }[r.datatype as 'uint8' | 'int16'];
    assert.equal(r.encoding, 'gzip');
    const buf = zlib.gunzipSync(Buffer.from(r.data!, 'base64'));
    const out = new Ctor(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    assert.ok(out.byteLength <= maxBytes, `${rel}: ${out.byteLength} bytes`);
    const plan = { dims: r.fileDims!, factors: r.factors!, offsets: r.offsets!, out: r.dims! };
    checkPreserved(ref.dims, ref.affine, ref.data, plan, out, r.affine!);
  }
});

test('backend preview: a corrupt file, an unsupported datatype and a cancelled request give no preview', { skip: skipNoCorpus }, async () => {
  const runner = new PreviewRunner(path.join(__dirname, '..', '..', '..', 'server', 'src', 'lsp', 'imagePreviewWorker.js'));
  const tmp = tempDir('nnseg-preview-');
  try {
    const bad = path.join(tmp.dir, 'cut.nii.gz');
    fs.writeFileSync(bad, fs.readFileSync(corpusFile('gh-niivue/FLAIR.nii.gz')).subarray(0, 4000));
    const r = await runner.run({ path: bad });
    assert.equal(r.ok, false);
    assert.match(r.error!, /cut\.nii\.gz .*(truncated|ends early)/);
    const c = await runner.run({ path: corpusFile('gh-niivue/complex.nii.gz') });
    assert.deepEqual([c.ok, c.error], [false, 'no preview for datatype complex64']);
    let onCancel: (() => void) | undefined;
    const token = { isCancellationRequested: false, onCancellationRequested: (cb: () => void) => (onCancel = cb) };
    const pending = runner.run({ path: corpusFile('gh-niivue/shear.nii.gz') }, token);
    await new Promise((r) => setTimeout(r, 0));
    onCancel?.();
    assert.deepEqual(await pending, { ok: false, error: 'cancelled' });
  } finally {
    tmp.cleanup();
  }
});
