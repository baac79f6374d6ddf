// The writer: exact round trips, label/image datatypes, geometry from a reference or an affine, and files nibabel opens.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { corpusFile, skipNoCorpus, tempDir } from '../../helpers/data';
import { NIFTI_INTENT_LABEL, NiftiError, affineOf, readNifti, readNiftiHeader, writeNifti, type NiftiHeader } from '../../../server/src/engine/io';
import { assertMatClose } from './expectations';

const tmp = tempDir('nnseg-io-write-');
after(() => tmp.cleanup());
const out = (name: string) => path.join(tmp.dir, name);

const GEOMETRY_FIELDS: (keyof NiftiHeader)[] = ['qformCode', 'sformCode', 'quaternB', 'quaternC', 'quaternD', 'qoffsetX', 'qoffsetY', 'qoffsetZ', 'srowX', 'srowY', 'srowZ', 'xyztUnits'];

function sameGeometry(a: NiftiHeader, b: NiftiHeader): void {
  for (const f of GEOMETRY_FIELDS) assert.deepEqual(a[f], b[f], f);
  assert.deepEqual(a.pixdim.slice(0, 4), b.pixdim.slice(0, 4), 'pixdim');
}

test('label map round trip: same bytes, uint8, intent label, geometry copied', { skip: skipNoCorpus }, async () => {
  for (const rel of ['gh-totalsegmentator/example_seg.nii.gz', 'gh-niivue/nifti_space/AIL.nii.gz', 'gh-nifti-reader-js/avg152T1_LR_nifti.nii']) {
    const src = await readNifti(corpusFile(rel), { raw: true });
    const f = out(path.basename(rel).replace(/\.nii(\.gz)?$/, '-label.nii.gz'));
    await writeNifti(f, src, { kind: 'label', reference: src });
    const back = await readNifti(f, { raw: true });
    assert.ok(back.data instanceof Uint8Array);
    assert.deepEqual(Buffer.from(back.data.buffer), Buffer.from(src.data.buffer));
    assert.deepEqual(back.shape, src.shape);
    assert.equal(back.header.intentCode, NIFTI_INTENT_LABEL);
    assert.equal(back.header.datatype, 'uint8');
    sameGeometry(back.header, src.header);
    assert.deepEqual(back.affine, src.affine);
  }
});

test('image round trip: float32 values bit for bit (scaled int16 CT, big-endian float32)', { skip: skipNoCorpus }, async () => {
  for (const rel of ['gh-totalsegmentator/example_ct_sm.nii.gz', 'gh-nifti-reader-js/big.nii.gz', 'gh-nibabel/someones_epi.nii.gz']) {
    const src = await readNifti(corpusFile(rel));
    const f = out(path.basename(rel).replace(/\.nii(\.gz)?$/, '-img.nii.gz'));
    await writeNifti(f, src, { kind: 'image', reference: src.header, description: 'nnSeg round trip' });
    const back = await readNifti(f);
    assert.ok(back.data instanceof Float32Array);
    assert.deepEqual(Buffer.from(back.data.buffer), Buffer.from(src.data.buffer));
    assert.equal(back.header.datatype, 'float32');
    assert.equal(back.header.descrip, 'nnSeg round trip');
    assert.equal(back.header.littleEndian, true);
    sameGeometry(back.header, src.header);
    assert.deepEqual(back.affine, src.affine);
  }
});

test('label datatype: uint8, int16 when needed, refused when out of range or not integers', async () => {
  const shape = [2, 3, 4];
  await writeNifti(out('l8.nii.gz'), { data: new Float32Array(24).fill(7), shape }, { kind: 'label' });
  assert.equal((await readNiftiHeader(out('l8.nii.gz'))).datatype, 'uint8');
  const neg = new Int32Array(24).fill(-3);
  neg[5] = 1000;
  await writeNifti(out('l16.nii.gz'), { data: neg, shape }, { kind: 'label' });
  const back = await readNifti(out('l16.nii.gz'), { raw: true });
  assert.ok(back.data instanceof Int16Array);
  assert.equal(back.data[5], 1000);
  assert.equal(back.data[0], -3);
  await assert.rejects(writeNifti(out('l32.nii.gz'), { data: new Int32Array(24).fill(70000), shape }, { kind: 'label' }), /70000.*int32/);
  await assert.rejects(writeNifti(out('lf.nii.gz'), { data: new Float32Array(24).fill(0.5), shape }, { kind: 'label' }), /non-integer value 0.5/);
  await assert.rejects(writeNifti(out('lr.nii.gz'), { data: new Int16Array(24).fill(300), shape }, { kind: 'label', datatype: 'uint8' }), /cannot be written as uint8/);
  await writeNifti(out('l32ok.nii'), { data: new Int32Array(24).fill(70000), shape }, { kind: 'label', datatype: 'int32' });
  assert.equal((await readNifti(out('l32ok.nii'), { raw: true })).data[3], 70000);
  // Nothing is left behind by a refused write.
  assert.deepEqual(fs.readdirSync(tmp.dir).filter((n) => n.endsWith('.tmp')), []);
});

test('bad write requests are NiftiErrors', async () => {
  const data = new Float32Array(24);
  await assert.rejects(writeNifti(out('x.nrrd'), { data, shape: [2, 3, 4] }, { kind: 'image' }), NiftiError);
  await assert.rejects(writeNifti(out('x.nii.gz'), { data, shape: [2, 3, 5] }, { kind: 'image' }), /do not fill/);
  await assert.rejects(writeNifti(out('x.nii.gz'), { data, shape: [2, 3, 4] }, { kind: 'image', spacing: [1, 0, 1] }), /spacing/);
  await assert.rejects(writeNifti(out('x.nii.gz'), { data, shape: [2, 3, 4] }, { kind: 'image', affine: [[1, 0, 0], [0, 1, 0]] }), /4x4/);
});

test('an affine sets both sform and qform (nibabel-style qform incl. a flipped axis), spacing from the columns', async () => {
  const c = Math.cos(0.3), s = Math.sin(0.3);
  // LAS-like with a rotation about z: det < 0 so qfac must be -1.
  const affine = [[-2 * c, -0.7 * s, 0, 10], [-2 * s, 0.7 * c, 0, -20], [0, 0, 1.5, 30], [0, 0, 0, 1]];
  const data = new Float32Array(60).map((_, i) => i);
  await writeNifti(out('aff.nii.gz'), { data, shape: [3, 4, 5] }, { kind: 'image', affine });
  const back = await readNifti(out('aff.nii.gz'));
  assert.equal(back.header.sformCode, 1);
  assert.equal(back.header.qformCode, 1);
  assert.equal(back.header.pixdim[0], -1);
  assertMatClose(back.affine, affine, 1e-6, 'sform');
  const q = affineOf({ ...back.header, sformCode: 0 }).affine;
  assertMatClose(q, affine, 1e-6, 'qform');
  assert.deepEqual(back.spacing.map((x) => Math.fround(x)), [1.5, 0.7, 2].map(Math.fround));
});

test('spacing alone gives method-1 geometry; 4D and NIfTI-2 (a dimension above 32767) are written', async () => {
  await writeNifti(out('sp.nii'), { data: new Uint8Array(24), shape: [2, 3, 4] }, { kind: 'label', spacing: [5, 2, 1] });
  const a = await readNifti(out('sp.nii'));
  assert.equal(a.affineSource, 'pixdim');
  assert.deepEqual(a.spacing, [5, 2, 1]);
  const four = new Int16Array(2 * 24).map((_, i) => i - 10);
  await writeNifti(out('4d.nii.gz'), { data: four, shape: [2, 2, 3, 4] }, { kind: 'image', datatype: 'int16' });
  const b = await readNifti(out('4d.nii.gz'), { raw: true });
  assert.deepEqual(b.shape, [2, 2, 3, 4]);
  assert.deepEqual([...b.data], [...four]);
  const wide = new Uint8Array(40000).map((_, i) => i % 7);
  await writeNifti(out('wide.nii.gz'), { data: wide, shape: [1, 1, 40000] }, { kind: 'label' });
  const c = await readNifti(out('wide.nii.gz'), { raw: true });
  assert.equal(c.header.version, 2);
  assert.deepEqual(Buffer.from(c.data.buffer), Buffer.from(wide.buffer));
});

test('extensions are written and read back', async () => {
  const data = new TextEncoder().encode('{"nnseg": true}');
  await writeNifti(out('ext.nii.gz'), { data: new Uint8Array(8), shape: [2, 2, 2] }, { kind: 'label', extensions: [{ code: 40, data }] });
  const h = await readNiftiHeader(out('ext.nii.gz'));
  assert.equal(h.extensions.length, 1);
  assert.equal(h.extensions[0].code, 40);
  assert.deepEqual(h.extensions[0].data.subarray(0, data.length), data);
  assert.equal(h.voxOffset, 352 + 32);
});

test('nibabel opens the written files with the same values and geometry', { skip: skipNoCorpus }, async (t) => {
  if (spawnSync('/usr/bin/python3', ['-c', 'import nibabel'], { encoding: 'utf8' }).status !== 0) {
    t.skip('python3-nibabel not installed (apt-get install -y python3-nibabel)');
    return;
  }
  const src = await readNifti(corpusFile('gh-totalsegmentator/example_ct_sm.nii.gz'));
  const lab = await readNifti(corpusFile('gh-totalsegmentator/example_seg.nii.gz'), { raw: true });
  await writeNifti(out('nib-img.nii.gz'), src, { kind: 'image', reference: src });
  await writeNifti(out('nib-lab.nii.gz'), lab, { kind: 'label', reference: src.header });
  await writeNifti(out('nib-aff.nii'), src, { kind: 'image', affine: src.affine });
  const script = `
import json, sys, numpy as np, nibabel as nib
res = {}
for f in sys.argv[1:]:
    img = nib.load(f)
    d = np.asanyarray(img.dataobj)
    res[f] = {'shape': list(img.shape), 'dtype': str(img.get_data_dtype()), 'intent': int(img.header['intent_code']),
              'sum': float(d.astype(np.float64).sum()), 'affine': img.affine.tolist(),
              'qform': img.header.get_qform().tolist(), 'codes': [int(img.header['qform_code']), int(img.header['sform_code'])]}
print(json.dumps(res))
`;
  const files = ['nib-img.nii.gz', 'nib-lab.nii.gz', 'nib-aff.nii'].map(out);
  const r = spawnSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  let sum = 0;
  for (const x of src.data) sum += Number(x);
  let lsum = 0;
  for (const x of lab.data) lsum += Number(x);
  const img = res[files[0]], l = res[files[1]], a = res[files[2]];
  assert.deepEqual(img.shape, [...src.shape].reverse());
  assert.equal(img.dtype, 'float32');
  assert.equal(img.sum, sum);
  assertMatClose(img.affine, src.affine, 0, 'affine');
  assert.equal(l.dtype, 'uint8');
  assert.equal(l.intent, NIFTI_INTENT_LABEL);
  assert.equal(l.sum, lsum);
  assert.deepEqual(a.codes, [1, 1]);
  assertMatClose(a.qform, src.affine, 1e-6, 'qform from affine');
});
