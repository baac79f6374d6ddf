// Every kind of bad input gives one NiftiError naming the file and the problem, quickly and without big allocations.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { cliPath, tempDir } from '../../helpers/data';
import { NiftiError, readNifti, readNiftiHeader } from '../../../server/src/engine/io';
import { makeNifti, patch, write } from './synth';
import { setDirectZlibDisabled } from '../../../server/src/engine/io/zlibDirect';

const tmp = tempDir('nnseg-io-bad-');
after(() => tmp.cleanup());
const good = makeNifti();
const good2 = makeNifti({ version: 2 });

async function refuses(file: string, pattern: RegExp, opts: Parameters<typeof readNifti>[1] = {}, named = file): Promise<void> {
  await assert.rejects(readNifti(file, opts), (err: unknown) => {
    assert.ok(err instanceof NiftiError, `expected a NiftiError, got ${String(err)}`);
    assert.ok(err.message.startsWith(named), `message names the file: ${err.message}`);
    assert.match(err.message, pattern);
    assert.equal(err.message.split('\n').length, 1);
    return true;
  });
}

test('the synthetic file itself reads (plain and gzip, NIfTI-1 and -2)', async () => {
  for (const [name, bytes] of [['ok.nii', good], ['ok.nii.gz', good], ['ok2.nii', good2], ['ok2.nii.gz', good2]] as const) {
    const v = await readNifti(write(tmp.dir, name, bytes), { raw: true });
    assert.deepEqual(v.shape, [4, 5, 6]);
    assert.deepEqual(v.spacing, [3, 2, 1]);
    assert.equal(v.data[119], 119);
  }
});

test('truncated gzip', async () => {
  const gz = zlib.gzipSync(good);
  const f = path.join(tmp.dir, 'trunc.nii.gz');
  fs.writeFileSync(f, gz.subarray(0, Math.floor(gz.length * 0.6)));
  await refuses(f, /truncated gzip/);
  fs.writeFileSync(f, gz.subarray(0, gz.length - 4)); // only the trailer's size field missing
  await refuses(f, /truncated gzip/);
});

test('corrupt gzip', async () => {
  const gz = Buffer.from(zlib.gzipSync(good));
  gz[gz.length - 6] ^= 0xff; // CRC
  const f = path.join(tmp.dir, 'crc.nii.gz');
  fs.writeFileSync(f, gz);
  await refuses(f, /corrupt gzip/);
  const bad = Buffer.from(zlib.gzipSync(good));
  bad[10] = 0xff; // first deflate block header
  fs.writeFileSync(f, bad);
  await refuses(f, /corrupt gzip|truncated gzip/);
});

test('wrong magic', async () => {
  await refuses(write(tmp.dir, 'magic.nii', patch(good, [[344, 'str', 'xyz\0']])), /magic "xyz"/);
  await refuses(write(tmp.dir, 'analyze.nii', patch(good, [[344, 'str', '\0\0\0\0']])), /Analyze/);
  await refuses(write(tmp.dir, 'magic2.nii', patch(good2, [[4, 'str', 'n+3']])), /magic/);
  await refuses(write(tmp.dir, 'eol2.nii', patch(good2, [[8, 'str', '\n\n\n\n']])), /check bytes/);
  // A single file that claims to be a .hdr/.img pair.
  await refuses(write(tmp.dir, 'pairmagic.nii', patch(good, [[344, 'str', 'ni1\0']])), /pair/);
});

test('sizeof_hdr wrong; not a NIfTI file at all', async () => {
  await refuses(write(tmp.dir, 'sizeof.nii', patch(good, [[0, 'i32', 349]])), /sizeof_hdr is 349/);
  await refuses(write(tmp.dir, 'text.nii', Buffer.from('hello, this is not an image\n'.repeat(20))), /not a NIfTI file/);
  await refuses(write(tmp.dir, 'empty.nii', Buffer.alloc(0)), /too short/);
  await refuses(write(tmp.dir, 'short.nii', good.subarray(0, 200)), /inside its 348-byte/);
});

test('dims <= 0, dim[0] out of range, absurdly large', async () => {
  await refuses(write(tmp.dir, 'dim0.nii', patch(good, [[40, 'i16', 0]])), /dim\[0\] = 0/);
  await refuses(write(tmp.dir, 'dim8.nii', patch(good, [[40, 'i16', 8]])), /dim\[0\] = 8/);
  await refuses(write(tmp.dir, 'dimneg.nii.gz', patch(good, [[44, 'i16', -5]])), /dim\[2\] = -5/);
  await refuses(write(tmp.dir, 'dimzero.nii', patch(good, [[46, 'i16', 0]])), /dim\[3\] = 0/);
  const big = patch(good, [[40, 'i16', 7], [42, 'i16', 32767], [44, 'i16', 32767], [46, 'i16', 32767], [48, 'i16', 32767], [50, 'i16', 32767], [52, 'i16', 32767], [54, 'i16', 32767]]);
  const t0 = Date.now();
  await refuses(write(tmp.dir, 'huge.nii.gz', big), /limit/);
  await refuses(write(tmp.dir, 'huge2.nii', patch(good2, [[24, 'i64', 1e12], [32, 'i64', 1e6]])), /limit/);
  await refuses(write(tmp.dir, 'hugeint64.nii', patch(good2, [[24, 'i64', '9223372036854775807']])), /too large/);
  assert.ok(Date.now() - t0 < 5000, 'refused without reading or allocating');
  // A configurable limit: the same small file refused under a 100-byte limit.
  await refuses(write(tmp.dir, 'limit.nii', good), /more than the 100 bytes limit/, { maxBytes: 100 });
});

test('datatype/bitpix mismatch and unknown or unsupported datatypes', async () => {
  await refuses(write(tmp.dir, 'bitpix.nii', patch(good, [[72, 'i16', 8]])), /int16 \(code 4\) but bitpix 8/);
  await refuses(write(tmp.dir, 'dtype.nii', patch(good, [[70, 'i16', 3]])), /datatype code 3/);
  await refuses(write(tmp.dir, 'f128.nii', patch(good, [[70, 'i16', 1536], [72, 'i16', 128]])), /float128/);
  await refuses(write(tmp.dir, 'binary.nii', patch(good, [[70, 'i16', 1], [72, 'i16', 1]])), /binary/);
});

test('vox_offset inside the header, past the end, not a number', async () => {
  await refuses(write(tmp.dir, 'voxin.nii', patch(good, [[108, 'f32', 100]])), /inside the 348-byte header/);
  await refuses(write(tmp.dir, 'voxpast.nii', patch(good, [[108, 'f32', 1e6]])), /vox_offset 1000000 past the end/);
  await refuses(write(tmp.dir, 'voxpast.nii.gz', patch(good, [[108, 'f32', 1e6]])), /shorter than its header promises/);
  await refuses(write(tmp.dir, 'voxnan.nii', patch(good, [[108, 'f32', NaN]])), /vox_offset NaN/);
  // With the extension flag set the reader must read up to vox_offset to find the extensions.
  await refuses(write(tmp.dir, 'voxext.nii.gz', patch(good, [[108, 'f32', 1e6], [348, 'u8', 1]])), /before its vox_offset/);
});

test('file shorter than the header promises', async () => {
  await refuses(write(tmp.dir, 'short.nii', good.subarray(0, good.length - 1)), /is 591 bytes long but its header promises 592/);
  await refuses(write(tmp.dir, 'short.nii.gz', good.subarray(0, good.length - 10)), /shorter than its header promises/);
  await refuses(write(tmp.dir, 'onlyheader.nii.gz', good.subarray(0, 352)), /shorter than its header promises/);
});

test('bad extensions', async () => {
  // Flag set, esize smaller than its own prefix.
  const big = Buffer.concat([good.subarray(0, 352), Buffer.alloc(32), good.subarray(352)]);
  const withExt = patch(big, [[108, 'f32', 384], [348, 'u8', 1], [352, 'i32', 4], [356, 'i32', 6]]);
  await refuses(write(tmp.dir, 'ext.nii', withExt), /extension at byte 352 with size 4/);
  const past = patch(big, [[108, 'f32', 384], [348, 'u8', 1], [352, 'i32', 64], [356, 'i32', 6]]);
  await refuses(write(tmp.dir, 'extpast.nii', past), /runs past the start of the image data/);
  // A well-formed one reads, with its bytes.
  const ok = patch(big, [[108, 'f32', 384], [348, 'u8', 1], [352, 'i32', 32], [356, 'i32', 6], [360, 'str', 'hello']]);
  const h = await readNiftiHeader(write(tmp.dir, 'extok.nii.gz', ok));
  assert.equal(h.extensions.length, 1);
  assert.equal(h.extensions[0].code, 6);
  assert.equal(Buffer.from(h.extensions[0].data).toString('latin1').replace(/\0+$/, ''), 'hello');
});

test('.hdr without .img, .img without .hdr, missing file, folder', async () => {
  const hdr = Buffer.from(patch(good, [[344, 'str', 'ni1\0'], [108, 'f32', 0]]).subarray(0, 352));
  await refuses(write(tmp.dir, 'lonely.hdr', hdr), /without its image file \(expected lonely\.img/);
  await refuses(write(tmp.dir, 'lonely2.img', good.subarray(352)), /without its NIfTI header/);
  await refuses(path.join(tmp.dir, 'nope.nii.gz'), /cannot be opened \(no such file\)/);
  await refuses(tmp.dir, /folder/);
  // The pair itself reads, and a short .img is caught.
  write(tmp.dir, 'pair.hdr', hdr);
  write(tmp.dir, 'pair.img', good.subarray(352));
  const v = await readNifti(path.join(tmp.dir, 'pair.hdr'), { raw: true });
  assert.equal(v.data[100], 100);
  write(tmp.dir, 'pair.img', good.subarray(352, 400));
  await refuses(path.join(tmp.dir, 'pair.hdr'), /is 48 bytes long but its header promises 240/, {}, path.join(tmp.dir, 'pair.img'));
  // Compressed pairs (.hdr.gz + .img.gz) are found from either name.
  write(tmp.dir, 'zpair.hdr.gz', hdr);
  write(tmp.dir, 'zpair.img.gz', good.subarray(352));
  assert.equal((await readNifti(path.join(tmp.dir, 'zpair.hdr.gz'), { raw: true })).data[101], 101);
  assert.equal((await readNifti(path.join(tmp.dir, 'zpair.img.gz'), { raw: true })).data[101], 101);
  // .nii magic in a .hdr
  write(tmp.dir, 'wrongpair.hdr', good.subarray(0, 352));
  write(tmp.dir, 'wrongpair.img', good.subarray(352));
  await refuses(path.join(tmp.dir, 'wrongpair.hdr'), /same file/);
});

test('non-finite geometry and scaling are refused, not passed on', async () => {
  await refuses(write(tmp.dir, 'pixnan.nii', patch(good, [[80, 'f32', NaN]])), /pixdim\[1\] = NaN/);
  await refuses(write(tmp.dir, 'srownan.nii', patch(good, [[254, 'i16', 1], [280, 'f32', Infinity]])), /sform affine with non-finite/);
  await refuses(write(tmp.dir, 'inter.nii', patch(good, [[112, 'f32', 2], [116, 'f32', NaN]])), /non-finite scl_inter/);
  // Slope 0 or NaN means no scaling (nibabel).
  const v = await readNifti(write(tmp.dir, 'slope0.nii', patch(good, [[112, 'f32', 0], [116, 'f32', 5]])));
  assert.equal(v.data[7], 7);
  const w = await readNifti(write(tmp.dir, 'slope2.nii', patch(good, [[112, 'f32', 2], [116, 'f32', -1]])));
  assert.equal(w.data[7], 13);
});

test('the CLI exits 1 with one sentence on stderr for a bad file', () => {
  const f = write(tmp.dir, 'cli-bad.nii', patch(good, [[72, 'i16', 8]]));
  const r = spawnSync(process.execPath, [cliPath, 'nifti-info', f, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^nnseg: .*cli-bad\.nii has datatype int16 \(code 4\) but bitpix 8; int16 has 16 bits per voxel\.\n$/);
});

test('gzip variants that are valid: several members, NUL padding after the stream', async () => {
  const half = 300;
  const multi = Buffer.concat([zlib.gzipSync(good.subarray(0, half)), zlib.gzipSync(good.subarray(half))]);
  const f = path.join(tmp.dir, 'multi.nii.gz');
  fs.writeFileSync(f, multi);
  const v = await readNifti(f, { raw: true });
  assert.equal(v.data[119], 119);
  fs.writeFileSync(f, Buffer.concat([zlib.gzipSync(good), Buffer.alloc(1000)]));
  assert.equal((await readNifti(f, { raw: true })).data[50], 50);
  fs.writeFileSync(f, Buffer.concat([zlib.gzipSync(good), Buffer.from('garbage')]));
  await refuses(f, /corrupt gzip/);
});

test('the stream fallback (no direct zlib handle) reads and refuses the same way', async () => {
  setDirectZlibDisabled(true);
  try {
    const f = write(tmp.dir, 'fallback.nii.gz', good);
    assert.equal((await readNifti(f, { raw: true })).data[119], 119);
    assert.equal((await readNifti(f)).data[7], 7);
    const gz = zlib.gzipSync(good);
    fs.writeFileSync(f, gz.subarray(0, gz.length - 4));
    await refuses(f, /truncated gzip/);
    const multi = Buffer.concat([zlib.gzipSync(good.subarray(0, 300)), zlib.gzipSync(good.subarray(300))]);
    fs.writeFileSync(f, multi);
    assert.equal((await readNifti(f, { raw: true })).data[119], 119);
  } finally {
    setDirectZlibDisabled(false);
  }
});
