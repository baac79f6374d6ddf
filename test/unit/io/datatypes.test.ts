// Every scalar datatype, both byte orders, NIfTI-1 and -2, 1D to 7D: raw values exact, scaled values as nibabel computes them.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { tempDir } from '../../helpers/data';
import { DATATYPES, readNifti, writeNifti, type TypedArray } from '../../../server/src/engine/io';
import { fileBytes, patch, toBigEndian, write } from './synth';

const tmp = tempDir('nnseg-io-types-');
after(() => tmp.cleanup());

const SCALAR = DATATYPES.filter((d) => d.array && d.components === 1);

function values(name: string, n: number): TypedArray {
  const dt = SCALAR.find((d) => d.name === name)!;
  const a = new dt.array!(n);
  for (let i = 0; i < n; i++) {
    const signed = !name.startsWith('uint');
    const v = name === 'float32' || name === 'float64' ? (i - 7) * 0.37 : signed ? (i % 2 ? -1 : 1) * i * 3 : i * 3;
    if (a instanceof BigInt64Array) a[i] = BigInt(v) * 1000000000000n; // beyond 2^53 on purpose
    else if (a instanceof BigUint64Array) a[i] = BigInt(v) * 1000000000000n + 2n ** 63n;
    else (a as Float64Array)[i] = v;
  }
  return a;
}

for (const dt of SCALAR) {
  for (const version of [1, 2] as const) {
    test(`${dt.name}, NIfTI-${version}, little- and big-endian, plain and gzip`, async () => {
      const shape = [3, 4, 5];
      const data = values(dt.name, 60);
      const le = path.join(tmp.dir, `${dt.name}-v${version}.nii`);
      await writeNifti(le, { data, shape }, { kind: 'image', datatype: dt.name });
      let bytes = fileBytes(le);
      if (version === 2) {
        // The writer only makes NIfTI-2 for huge dims; build it through a 40000-wide twin instead.
        const wide = path.join(tmp.dir, `${dt.name}-wide.nii`);
        await writeNifti(wide, { data: values(dt.name, 40000), shape: [1, 1, 40000] }, { kind: 'image', datatype: dt.name });
        const w = fileBytes(wide);
        assert.equal(w.readInt32LE(0), 540);
        // Same header with dims [3, 5, 4, 3] and our 60 values.
        const hdr = patch(w.subarray(0, 544), [[16, 'i64', 3], [24, 'i64', 5], [32, 'i64', 4], [40, 'i64', 3]]);
        bytes = Buffer.concat([hdr, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
      }
      const be = toBigEndian(bytes, version, dt.bitpix / 8);
      // scl_slope 2, scl_inter -1 on a copy to check scaling.
      const scaledLe = version === 1 ? patch(bytes, [[112, 'f32', 2], [116, 'f32', -1]]) : patch(bytes, [[176, 'f64', 2], [184, 'f64', -1]]);
      for (const [name, b] of [['le.nii', bytes], ['be.nii', be], ['le.nii.gz', bytes], ['be.nii.gz', be]] as const) {
        const f = write(tmp.dir, `${dt.name}-${version}-${name}`, b);
        const raw = await readNifti(f, { raw: true });
        assert.equal(raw.header.littleEndian, name.startsWith('le'), name);
        assert.equal(raw.header.version, version);
        assert.deepEqual(raw.shape, shape);
        assert.equal(raw.data.constructor, data.constructor, name);
        assert.deepEqual([...raw.data], [...data], `${name} raw`);
        const f32 = await readNifti(f);
        assert.deepEqual([...f32.data], [...data].map((x) => Math.fround(Number(x))), `${name} float`);
      }
      const s = await readNifti(write(tmp.dir, `${dt.name}-${version}-scaled.nii`, scaledLe));
      assert.deepEqual([...s.data], [...data].map((x) => Math.fround(Number(x) * 2 - 1)), 'scaled');
      const sBe = await readNifti(write(tmp.dir, `${dt.name}-${version}-scaled-be.nii.gz`, toBigEndian(scaledLe, version, dt.bitpix / 8)));
      assert.deepEqual([...sBe.data], [...s.data], 'scaled big-endian');
    });
  }
}

test('1D to 7D shapes round-trip with their C-order shape', async () => {
  for (let nd = 1; nd <= 7; nd++) {
    const shape = [2, 3, 1, 2, 3, 1, 2].slice(0, nd);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Int16Array(n).map((_, i) => i * 7 - 20);
    const f = path.join(tmp.dir, `nd${nd}.nii.gz`);
    await writeNifti(f, { data, shape }, { kind: 'label' });
    const v = await readNifti(f, { raw: true });
    assert.equal(v.header.dim[0], nd);
    assert.deepEqual(v.shape, shape);
    assert.deepEqual([...v.data], [...data]);
    assert.equal(v.spacing.length, Math.min(3, nd));
  }
});
