// Header fuzzing: real and synthetic files with mutated header bytes, truncations and damaged gzip streams.
// Every outcome must be a read that is self-consistent (and, where nibabel is installed, agrees with it)
// or a NiftiError; never another exception, a hang or a huge allocation.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { corpusFile, haveCorpus, tempDir } from '../../helpers/data';
import { NiftiError, readNifti, scalingOf, type NiftiVolume } from '../../../server/src/engine/io';
import { fileBytes, makeNifti, patch } from './synth';
import { mulberry32 } from '../../../server/src/util/random';

const ITERATIONS = 3000;
const MAX_BYTES = 16 * 2 ** 20;
const tmp = tempDir('nnseg-io-fuzz-');
after(() => tmp.cleanup());

const rng = mulberry32;

interface Base { name: string; bytes: Buffer; version: 1 | 2; headerEnd: number }

function bases(): Base[] {
  const out: Base[] = [];
  const v1 = makeNifti({ shape: [3, 4, 5], datatype: 'int16' });
  const v2 = makeNifti({ shape: [3, 4, 5], datatype: 'float32', version: 2 });
  // A synthetic file with one 32-byte extension.
  const withExt = patch(Buffer.concat([v1.subarray(0, 352), Buffer.alloc(32), v1.subarray(352)]), [[108, 'f32', 384], [348, 'u8', 1], [352, 'i32', 32], [356, 'i32', 4], [360, 'str', 'fuzz']]);
  out.push({ name: 'synthetic-v1', bytes: v1, version: 1, headerEnd: 352 }, { name: 'synthetic-v2', bytes: v2, version: 2, headerEnd: 544 }, { name: 'synthetic-ext', bytes: withExt, version: 1, headerEnd: 384 });
  if (haveCorpus) {
    for (const rel of ['gh-niivue/low_res.nii.gz', 'gh-nifti-reader-js/5D_small.nii', 'npm-nifti-js/minimal.nii']) {
      const bytes = fileBytes(corpusFile(rel));
      out.push({ name: rel, bytes, version: 1, headerEnd: 352 });
    }
  }
  return out;
}

const INTERESTING = [0, 1, -1, 2, 3, 7, 8, 16, 255, 256, 348, 352, 540, 32767, -32768, 65535, 2 ** 31 - 1, -(2 ** 31), 1e9];
const INTERESTING_F = [0, -0, 1, -1, 0.5, 1e-30, 1e30, 3.4e38, NaN, Infinity, -Infinity, 352, 1e9];
// NIfTI-1 numeric fields: [offset, kind].
const FIELDS_V1: [number, 'i16' | 'i32' | 'f32' | 'u8'][] = [
  [0, 'i32'], [39, 'u8'], ...[40, 42, 44, 46, 48, 50, 52, 54].map((o) => [o, 'i16'] as [number, 'i16']),
  [68, 'i16'], [70, 'i16'], [72, 'i16'], ...[76, 80, 84, 88, 92].map((o) => [o, 'f32'] as [number, 'f32']),
  [108, 'f32'], [112, 'f32'], [116, 'f32'], [123, 'u8'], [252, 'i16'], [254, 'i16'],
  ...[256, 260, 264, 268, 272, 276, 280, 284, 288, 292, 296, 312].map((o) => [o, 'f32'] as [number, 'f32']), [348, 'u8'],
];
const FIELDS_V2: [number, 'i16' | 'i32' | 'f64' | 'i64' | 'u8'][] = [
  [0, 'i32'], [12, 'i16'], [14, 'i16'], ...[16, 24, 32, 40, 48].map((o) => [o, 'i64'] as [number, 'i64']),
  ...[104, 112, 120, 128].map((o) => [o, 'f64'] as [number, 'f64']), [168, 'i64'], [176, 'f64'], [184, 'f64'],
  [344, 'i32'], [348, 'i32'], ...[352, 360, 368, 400, 440].map((o) => [o, 'f64'] as [number, 'f64']), [500, 'i32'], [540, 'u8'],
];
/** Text fields whose change must not change the voxels. */
const TEXT_V1: [number, number][] = [[4, 38], [148, 252], [328, 344]];

function mutate(base: Base, r: () => number): { bytes: Buffer; textOnly: boolean; what: string } {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const mode = r();
  if (mode < 0.35) {
    const b = Buffer.from(base.bytes);
    const n = 1 + Math.floor(r() * 4);
    const at: number[] = [];
    for (let k = 0; k < n; k++) {
      const o = Math.floor(r() * base.headerEnd);
      b[o] = Math.floor(r() * 256);
      at.push(o);
    }
    const textOnly = base.version === 1 && at.every((o) => TEXT_V1.some(([s, e]) => o >= s && o < e));
    return { bytes: b, textOnly, what: `bytes ${at.join(',')}` };
  }
  if (mode < 0.85) {
    const edits: Parameters<typeof patch>[1] = [];
    const n = 1 + Math.floor(r() * 2);
    for (let k = 0; k < n; k++) {
      const [o, kind] = pick<[number, string]>(base.version === 1 ? FIELDS_V1 : FIELDS_V2);
      const float = kind === 'f32' || kind === 'f64';
      let v: number | string = float ? pick(INTERESTING_F) : pick(INTERESTING);
      if (kind === 'u8') v = Math.abs(Number(v)) % 256;
      if (kind === 'i16') v = ((Math.trunc(Number(v)) + 32768) % 65536 + 65536) % 65536 - 32768;
      if (kind === 'i32') v = Math.trunc(Number(v)) | 0;
      if (kind === 'i64') v = Math.trunc(Number(v));
      edits.push([o, kind as 'i16', v]);
    }
    return { bytes: patch(base.bytes, edits), textOnly: false, what: `fields ${edits.map((e) => `${e[0]}=${e[2]}`).join(',')}` };
  }
  const cut = Math.floor(r() * base.bytes.length);
  return { bytes: base.bytes.subarray(0, cut), textOnly: false, what: `truncated at ${cut}` };
}

function checkConsistent(v: NiftiVolume, what: string): void {
  const n = v.header.dim[0];
  const dims = v.header.dim.slice(1, n + 1);
  const expectShape = [...dims].reverse();
  assert.deepEqual(v.shape.slice(0, n), expectShape, what);
  const comps = v.shape.length > n ? v.shape[n] : 1;
  assert.equal(v.data.length, dims.reduce((a, b) => a * b, 1) * comps, what);
  assert.ok(v.affine.length === 4 && v.affine.every((row) => row.length === 4 && row.every(Number.isFinite)), `${what}: affine finite`);
  assert.ok(v.spacing.every((s) => Number.isFinite(s) && s > 0), `${what}: spacing ${v.spacing}`);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`hang: ${what}`)), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

test(`fuzz: ${ITERATIONS} mutated headers give a consistent read or a NiftiError`, async (t) => {
  const r = rng(20240611);
  const all = bases();
  const originals = new Map<string, NiftiVolume>();
  for (const b of all) {
    const f = path.join(tmp.dir, `orig-${originals.size}.nii`);
    fs.writeFileSync(f, b.bytes);
    originals.set(b.name, await readNifti(f, { raw: true }));
  }
  const counts = { read: 0, refused: 0 };
  const reasons = new Map<string, number>();
  const forNibabel: { file: string; shape: number[]; sum: number; affine: number[][] }[] = [];
  for (let it = 0; it < ITERATIONS; it++) {
    const base = all[it % all.length];
    const m = mutate(base, r);
    const gz = r() < 0.3;
    let bytes: Uint8Array = m.bytes;
    let what = `iteration ${it} (${base.name}, ${m.what}${gz ? ', gzip' : ''})`;
    if (gz) {
      const z = Buffer.from(zlib.gzipSync(bytes, { level: 1 }));
      const damage = r();
      if (damage < 0.15 && z.length > 20) {
        const o = 10 + Math.floor(r() * (z.length - 10));
        z[o] ^= 1 + Math.floor(r() * 255);
        what += `, gzip byte ${o} flipped`;
        m.textOnly = false;
      } else if (damage < 0.25) {
        bytes = z.subarray(0, Math.floor(r() * z.length));
        what += ', gzip truncated';
        m.textOnly = false;
      }
      if (bytes === m.bytes) bytes = z;
    }
    const file = path.join(tmp.dir, `m${it % 64}${gz ? '.nii.gz' : '.nii'}`);
    fs.writeFileSync(file, bytes);
    const raw = r() < 0.5;
    try {
      const v = await withTimeout(readNifti(file, { raw, maxBytes: MAX_BYTES }), 10000, what);
      counts.read++;
      checkConsistent(v, what);
      if (m.textOnly) {
        const o = originals.get(base.name)!;
        const { slope, inter } = scalingOf(o.header, file);
        const same = raw ? Buffer.from(v.data.buffer).equals(Buffer.from(o.data.buffer)) : v.data.every((x, i) => x === Math.fround(Number(o.data[i]) * slope + inter));
        assert.ok(same, `${what}: a text-field change altered the voxels`);
      }
      if (forNibabel.length < 150 && !m.textOnly && it % 3 === 0 && v.data.length <= 1 << 16) {
        const keep = path.join(tmp.dir, `nib-${forNibabel.length}${gz ? '.nii.gz' : '.nii'}`);
        fs.copyFileSync(file, keep);
        let sum = 0;
        for (let i = 0; i < v.data.length; i++) sum += Number(v.data[i]);
        forNibabel.push({ file: keep, shape: v.shape, sum: raw ? NaN : sum, affine: v.affine });
      }
    } catch (err) {
      if (!(err instanceof NiftiError)) throw new Error(`${what}: ${String((err as Error).stack ?? err)}`);
      counts.refused++;
      const key = err.problem.replace(/-?\d[\d.e+-]*|"[^"]*"|\([^)]*\)/g, '#').slice(0, 60);
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
  }
  assert.ok(counts.read > ITERATIONS * 0.2 && counts.refused > ITERATIONS * 0.2, `both outcomes occur: ${JSON.stringify(counts)}`);
  const compared = crossCheckWithNibabel(forNibabel);
  t.diagnostic(`reads ${counts.read}, NiftiErrors ${counts.refused}, cross-checked with nibabel ${compared}`);
  t.diagnostic(`refusals: ${[...reasons].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, n]) => `${n} ${k}`).join('; ')}`);
});

/** Files we read are read the same way by nibabel (when nibabel accepts them): shape, voxel sum, affine. */
function crossCheckWithNibabel(items: { file: string; shape: number[]; sum: number; affine: number[][] }[]): number {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import nibabel'], { encoding: 'utf8' });
  if (probe.status !== 0 || items.length === 0) return 0;
  const script = `
import json, sys, numpy as np, nibabel as nib
out = []
for f in json.load(sys.stdin):
    try:
        img = nib.load(f)
        h = img.header
        ok = {1, 2, 3, 4, 5}
        if int(h['sform_code']) in ok: aff = h.get_sform()
        elif int(h['qform_code']) in ok: aff = h.get_qform()
        else: aff = np.diag(list(h.get_zooms()[:3]) + [1.0] * (4 - len(h.get_zooms()[:3])))
        out.append({'shape': list(img.shape), 'sum': float(np.asanyarray(img.get_fdata(dtype=np.float32), dtype=np.float64).sum()), 'affine': aff.tolist()})
    except Exception as e:
        out.append({'error': type(e).__name__ + ': ' + str(e)})
print(json.dumps(out))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(items.map((x) => x.file)), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { shape?: number[]; sum?: number; affine?: number[][]; error?: string }[];
  let compared = 0;
  const nibErrors: string[] = [];
  got.forEach((g, k) => {
    const mine = items[k];
    if (g.error) { nibErrors.push(`${path.basename(mine.file)}: ${g.error}`); return; } // nibabel refuses some headers we accept (e.g. renormalised quaternions); not a wrong read
    compared++;
    const dims = mine.shape.slice(0, g.shape!.length);
    assert.deepEqual([...g.shape!].reverse(), dims, `${mine.file}: shape`);
    if (!Number.isNaN(mine.sum)) {
      const tol = 1e-5 * Math.max(1, Math.abs(g.sum!));
      assert.ok(Math.abs(g.sum! - mine.sum) <= tol || (Number.isNaN(g.sum!) && Number.isNaN(mine.sum)), `${mine.file}: sum ${mine.sum} vs nibabel ${g.sum}`);
    }
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) {
      const a = mine.affine[i][j], b = g.affine![i][j];
      assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${mine.file}: affine[${i}][${j}] ${a} vs nibabel ${b}`);
    }
  });
  assert.ok(compared > items.length / 4, `nibabel read only ${compared} of ${items.length} of the files we read`);
  if (process.env.NNSEG_FUZZ_VERBOSE) console.log(nibErrors.join('\n'));
  return compared;
}
