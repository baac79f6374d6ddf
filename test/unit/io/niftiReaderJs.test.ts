// nifti-reader-js as an independent check of our header parser on the fields it reads correctly.
// (Where it is wrong -- affine precedence, qfac, NIfTI-2 qform, 6D/7D sizes, negative int64 -- see
// /work/notes/issue-3.md; our own parser is what the engine uses.)
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { corpusFile, repoRoot, skipNoCorpus } from '../../helpers/data';
import { readNifti, readNiftiHeader, writeNifti } from '../../../server/src/engine/io';
import { loadExpectations } from './expectations';

interface NrjHeader {
  littleEndian: boolean;
  dims: number[];
  pixDims: number[];
  datatypeCode: number;
  numBitsPerVoxel: number;
  vox_offset: number;
  scl_slope: number;
  scl_inter: number;
  qform_code: number;
  sform_code: number;
  intent_code: number;
  description: string;
  extensions: { ecode: number; esize: number }[];
}

// The package is ESM-only with an import-only exports map; load its file directly (needs require(esm), Node >= 20.19).
function loadNrj(): { readHeader(data: ArrayBuffer, pairOk?: boolean): NrjHeader } | string {
  try {
    return require(path.join(repoRoot, 'node_modules', 'nifti-reader-js', 'dist', 'nifti.js'));
  } catch (err) {
    return `nifti-reader-js cannot be loaded here (${(err as Error).message.split('\n')[0]})`;
  }
}

const nrj = loadNrj();

test('nifti-reader-js and our parser agree on the plain header fields of every corpus file', { skip: skipNoCorpus || (typeof nrj === 'string' ? nrj : false) }, async () => {
  const lib = nrj as Exclude<typeof nrj, string>;
  for (const e of loadExpectations()) {
    const file = corpusFile(e.file);
    let bytes = fs.readFileSync(file);
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = zlib.gunzipSync(bytes);
    const theirs = lib.readHeader(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), true);
    const ours = await readNiftiHeader(file);
    const what = e.file;
    assert.equal(ours.littleEndian, theirs.littleEndian, what);
    assert.deepEqual(ours.dim.slice(0, ours.dim[0] + 1), theirs.dims.slice(0, ours.dim[0] + 1), what);
    assert.deepEqual(ours.pixdim, theirs.pixDims, what);
    assert.equal(ours.datatypeCode, theirs.datatypeCode, what);
    assert.equal(ours.bitpix, theirs.numBitsPerVoxel, what);
    assert.equal(ours.voxOffset, theirs.vox_offset, what);
    assert.equal(ours.sclSlope, theirs.scl_slope, what);
    assert.equal(ours.sclInter, theirs.scl_inter, what);
    assert.equal(ours.qformCode, theirs.qform_code, what);
    assert.equal(ours.sformCode, theirs.sform_code, what);
    assert.equal(ours.intentCode, theirs.intent_code, what);
    assert.equal(ours.descrip, theirs.description, what);
    assert.deepEqual(ours.extensions.map((x) => x.code), theirs.extensions.map((x) => x.ecode), what);
    assert.deepEqual(ours.extensions.map((x) => x.data.length + 8), theirs.extensions.map((x) => x.esize), what);
  }
});

test('files we write parse in nifti-reader-js (the parser NiiVue uses) with the same dims, type, affine and voxels', { skip: skipNoCorpus || (typeof nrj === 'string' ? nrj : false) }, async () => {
  const lib = nrj as Exclude<typeof nrj, string> & { readImage(h: NrjHeader, data: ArrayBuffer): ArrayBuffer };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-nrj-'));
  try {
    const img = await readNifti(corpusFile('gh-totalsegmentator/example_ct_sm.nii.gz'));
    const lab = await readNifti(corpusFile('gh-totalsegmentator/example_seg.nii.gz'), { raw: true });
    for (const [name, vol, kind] of [['img.nii.gz', img, 'image'], ['lab.nii.gz', lab, 'label']] as const) {
      const f = path.join(tmp, name);
      await writeNifti(f, vol, { kind, reference: img });
      const bytes = zlib.gunzipSync(fs.readFileSync(f));
      const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
      const h = lib.readHeader(ab) as NrjHeader & { affine: number[][] };
      assert.deepEqual(h.dims.slice(0, 4), [3, ...[...vol.shape].reverse()]);
      assert.equal(h.datatypeCode, kind === 'label' ? 2 : 16);
      assert.deepEqual(h.affine, img.affine);
      const voxels = new Uint8Array(lib.readImage(h, ab));
      assert.ok(Buffer.from(voxels).equals(Buffer.from(vol.data.buffer, vol.data.byteOffset, vol.data.byteLength)), name);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
