// Every file of the shared corpus read as nibabel reads it: header, geometry, voxels, statistics, canonical order.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { corpusFile, skipNoCorpus } from '../../helpers/data';
import { NiftiError, orientationCode, readNifti, readNiftiHeader, reorientToCanonical, scalingOf, voxelStats } from '../../../server/src/engine/io';
import { assertClose, assertMatClose, loadExpectations, num } from './expectations';

const expectations = loadExpectations();

test('the expectations cover the whole corpus', { skip: skipNoCorpus }, () => {
  assert.ok(expectations.length >= 49, `only ${expectations.length} files in the expectations`);
  assert.equal(expectations.filter((e) => e.nibabelError).length, 0, 'nibabel read every corpus file');
});

for (const e of expectations) {
  test(`corpus: ${e.file}`, { skip: skipNoCorpus }, async () => {
    const file = corpusFile(e.file);
    const h = await readNiftiHeader(file);
    assert.equal(h.version, e.version);
    assert.equal(h.littleEndian, e.littleEndian);
    assert.equal(h.datatypeCode, e.datatypeCode);
    assert.equal(h.bitpix, e.bitpix);
    assert.deepEqual(h.dim, e.dim);
    // float32 (NIfTI-1) or float64 (NIfTI-2) header values arrive exactly in both readers.
    assert.deepEqual(h.pixdim, e.pixdim.map(num));
    assert.equal(h.sclSlope, num(e.sclSlope));
    assert.equal(h.sclInter, num(e.sclInter));
    assert.equal(h.qformCode, e.qformCode);
    assert.equal(h.sformCode, e.sformCode);
    assert.equal(h.intentCode, e.intentCode);
    assert.equal(h.descrip, e.descrip);
    assert.equal(h.voxOffset, e.voxOffset);
    assert.deepEqual(h.extensions.map((x) => x.code), e.extensions.map((x) => x[0]));
    h.extensions.forEach((x, k) => {
      const len = e.extensions[k][1];
      if (len === null) return; // nibabel parsed it (CIFTI XML)
      let n = x.data.length;
      while (n > 0 && x.data[n - 1] === 0) n--; // nibabel strips trailing NULs
      assert.equal(n, len, `extension ${k} length`);
    });

    const scalar = e.stats !== null;
    if (!scalar) {
      await assert.rejects(readNifti(file), (err: unknown) => err instanceof NiftiError && /raw: true/.test(err.message));
    }
    const raw = await readNifti(file, { raw: true });
    assert.deepEqual(raw.shape.slice(0, e.shape.length), [...e.shape].reverse());
    assert.equal(raw.affineSource, e.affineSource);
    assertMatClose(raw.affine, e.affine, 1e-6, 'affine');
    assert.equal(orientationCode(raw.affine), e.orientation);
    assert.deepEqual(raw.spacing, e.zooms.slice(0, Math.min(3, e.dim[0])).map(num).reverse());

    const { slope, inter } = scalingOf(h, file);
    const comps = raw.data.length / e.shape.reduce((a, b) => a * b, 1);
    e.samples.index.forEach((idx, k) => {
      const want = e.samples.value[k];
      if (Array.isArray(want)) {
        want.forEach((w, c) => assert.equal(Number(raw.data[idx * comps + c]), num(w), `voxel ${idx} component ${c}`));
      } else {
        assertClose(Number(raw.data[idx]) * slope + inter, num(want), 1e-12, `raw voxel ${idx}`);
      }
    });
    if (!scalar) return;

    const st = voxelStats(raw.data, slope, inter);
    const es = e.stats!;
    assert.equal(st.count, es.count);
    assert.equal(st.nonFinite, es.nonFinite);
    assert.equal(st.min, es.min);
    assert.equal(st.max, es.max);
    assertClose(st.sum, es.sum, 1e-9, 'sum');
    assertClose(st.mean ?? NaN, es.mean ?? NaN, 1e-9, 'mean');

    const vol = await readNifti(file);
    assert.ok(vol.data instanceof Float32Array);
    assert.deepEqual(vol.shape, raw.shape);
    e.samples.index.forEach((idx, k) => assert.equal(vol.data[idx], Math.fround(num(e.samples.value[k] as number)), `scaled voxel ${idx}`));

    if (e.canonical) {
      const first = e.dim[0] > 3 ? await readNifti(file, { raw: true, volumes: 0 }) : raw;
      const c = reorientToCanonical(first);
      assert.deepEqual(c.volume.shape, [...e.canonical.shape].reverse());
      assertMatClose(c.volume.affine, e.canonical.affine, 1e-6, 'canonical affine');
      e.canonical.samples.index.forEach((idx, k) => {
        assertClose(Number(c.volume.data[idx]) * slope + inter, num(e.canonical!.samples.value[k]), 1e-12, `canonical voxel ${idx}`);
      });
    }
  });
}

test('an .img path reads the same pair as its .hdr', { skip: skipNoCorpus }, async () => {
  const a = await readNifti(corpusFile('gh-niivue/ras.hdr'), { raw: true });
  const b = await readNifti(corpusFile('gh-niivue/ras.img'), { raw: true });
  assert.deepEqual(b.shape, a.shape);
  assert.deepEqual(Buffer.from(b.data.buffer), Buffer.from(a.data.buffer));
});

test('volumes: n reads one 3D volume of a 4D/5D image', { skip: skipNoCorpus }, async () => {
  const all = await readNifti(corpusFile('gh-nifti-reader-js/5D_small.nii'), { raw: true });
  const perVolume = all.header.dim[1] * all.header.dim[2] * all.header.dim[3];
  const count = all.data.length / perVolume;
  for (let v = 0; v < count; v++) {
    const one = await readNifti(corpusFile('gh-nifti-reader-js/5D_small.nii'), { raw: true, volumes: v });
    assert.deepEqual(one.shape, [all.header.dim[3], all.header.dim[2], all.header.dim[1]]);
    assert.deepEqual([...one.data], [...all.data.subarray(v * perVolume, (v + 1) * perVolume)]);
  }
  await assert.rejects(readNifti(corpusFile('gh-nifti-reader-js/5D_small.nii'), { volumes: count }), NiftiError);
});
