// The viewer benchmark's and the preview e2e's test image: a 512x512x300 int16 CT-like phantom
// (0.7 x 0.7 x 1 mm, RAS, centred on the origin; 55 MB as .nii.gz, noise keeps it from compressing) and
// its 5-label map. Generated once (about 20 s) and cached in .bench/viewer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { log, repoRoot } from './lib.mjs';

/** Cached between runs (the repository's .bench/viewer, ignored by git). */
export const phantomDir = path.join(repoRoot, '.bench', 'viewer');
const cache = phantomDir;
export const [NX, NY, NZ] = [512, 512, 300];
export const SPACING = [0.7, 0.7, 1.0];

/** A NIfTI-1 header (+4 extension bytes) for a RAS-aligned grid centred on the origin. */
function niftiHeader(datatype, bitpix, intent = 0) {
  const b = Buffer.alloc(352);
  b.writeInt32LE(348, 0);
  [3, NX, NY, NZ, 1, 1, 1, 1].forEach((d, i) => b.writeInt16LE(d, 40 + 2 * i));
  b.writeInt16LE(intent, 68);
  b.writeInt16LE(datatype, 70);
  b.writeInt16LE(bitpix, 72);
  [1, ...SPACING, 1, 1, 1, 1].forEach((p, i) => b.writeFloatLE(p, 76 + 4 * i));
  b.writeFloatLE(352, 108);
  b.writeFloatLE(1, 112); // scl_slope
  b.writeUInt8(10, 123); // xyzt_units: mm, s
  b.writeInt16LE(1, 252); // qform_code
  b.writeInt16LE(1, 254); // sform_code
  const origin = [-(NX - 1) / 2, -(NY - 1) / 2, -(NZ - 1) / 2].map((o, i) => o * SPACING[i]);
  b.writeFloatLE(origin[0], 268);
  b.writeFloatLE(origin[1], 272);
  b.writeFloatLE(origin[2], 276);
  const rows = [
    [SPACING[0], 0, 0, origin[0]],
    [0, SPACING[1], 0, origin[1]],
    [0, 0, SPACING[2], origin[2]],
  ];
  rows.forEach((r, k) => r.forEach((v, i) => b.writeFloatLE(v, 280 + 16 * k + 4 * i)));
  b.write('n+1\0', 344, 'latin1');
  return b;
}

/** CT-like phantom: air, body ellipse with noise, lungs, spine, organ ellipsoids (and their label map). */
export function generate() {
  const ct = path.join(cache, 'ct512.nii.gz');
  const seg = path.join(cache, 'ct512_seg.nii.gz');
  if (fs.existsSync(ct) && fs.existsSync(seg)) return { ct, seg };
  fs.mkdirSync(cache, { recursive: true });
  log('generating the 512x512x300 phantom (once; cached in .bench/viewer)');
  const n = NX * NY * NZ;
  const img = new Int16Array(n);
  const lab = new Uint8Array(n);
  let s = 12345;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 4294967296) * 2 - 1;
  };
  const organs = [
    { c: [330, 300, 150], r: [70, 60, 60], hu: 60, label: 1 }, // liver
    { c: [190, 300, 150], r: [40, 35, 45], hu: 45, label: 2 }, // spleen
    { c: [200, 200, 150], r: [60, 70, 90], hu: -850, label: 3 }, // left lung
    { c: [320, 200, 150], r: [60, 70, 90], hu: -850, label: 4 }, // right lung
    { c: [256, 380, 150], r: [18, 18, 150], hu: 700, label: 5 }, // spine
  ];
  let idx = 0;
  for (let k = 0; k < NZ; k++) {
    for (let j = 0; j < NY; j++) {
      for (let i = 0; i < NX; i++, idx++) {
        const bx = (i - 256) / 200;
        const by = (j - 280) / 150;
        let v = -1000 + 5 * rnd();
        if (bx * bx + by * by < 1) {
          v = 40 + 15 * rnd();
          for (const o of organs) {
            const dx = (i - o.c[0]) / o.r[0];
            const dy = (j - o.c[1]) / o.r[1];
            const dz = (k - o.c[2]) / o.r[2];
            if (dx * dx + dy * dy + dz * dz < 1) {
              v = o.hu + 15 * rnd();
              lab[idx] = o.label;
            }
          }
        }
        img[idx] = Math.round(v);
      }
    }
  }
  const write = (file, hdr, data) => {
    const raw = Buffer.concat([hdr, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
    fs.writeFileSync(file, zlib.gzipSync(raw, { level: 6 }));
  };
  write(ct, niftiHeader(4, 16), img);
  write(seg, niftiHeader(2, 8, 1002), lab);
  log(`wrote ${ct} (${(fs.statSync(ct).size / 1e6).toFixed(1)} MB) and ${seg} (${(fs.statSync(seg).size / 1e6).toFixed(1)} MB)`);
  return { ct, seg };
}

/** The phantom's voxel values (file order, i fastest) and its affine, read back from the file. */
export function readPhantom(file) {
  const raw = zlib.gunzipSync(fs.readFileSync(file));
  const data = new Int16Array(raw.buffer.slice(raw.byteOffset + 352, raw.byteOffset + 352 + NX * NY * NZ * 2));
  const affine = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => raw.readFloatLE(280 + 16 * r + 4 * c)));
  return { data, affine, value: (i, j, k) => data[i + j * NX + k * NX * NY] };
}
