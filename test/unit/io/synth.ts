// Small NIfTI files built in memory for the bad-input and fuzz tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { encodeHeader } from '../../../server/src/engine/io/writeHeader';
import { headerForWrite } from '../../../server/src/engine/io/write';
import { datatypeByName } from '../../../server/src/engine/io';

/** The uncompressed bytes of a (possibly gzipped) file. */
export function fileBytes(file: string): Buffer {
  const b = fs.readFileSync(file);
  return b[0] === 0x1f && b[1] === 0x8b ? zlib.gunzipSync(b) : b;
}

/** A small little-endian NIfTI file (header + voxels) with values 0..n-1 mod 251, as bytes. */
export function makeNifti(opts: { shape?: number[]; datatype?: 'uint8' | 'int16' | 'float32'; version?: 1 | 2 } = {}): Buffer {
  const shape = opts.shape ?? [4, 5, 6];
  const dt = datatypeByName(opts.datatype ?? 'int16')!;
  const h = headerForWrite('synthetic.nii', shape, dt, { kind: 'image', spacing: [3, 2, 1] });
  h.version = opts.version ?? 1;
  h.magic = h.version === 1 ? 'n+1' : 'n+2';
  const header = encodeHeader(h);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new dt.array!(n) as Uint8Array;
  for (let i = 0; i < n; i++) data[i] = i % 251;
  return Buffer.concat([header, Buffer.from(data.buffer)]);
}

export function write(dir: string, name: string, bytes: Uint8Array, gzip = name.endsWith('.gz')): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, gzip ? zlib.gzipSync(bytes, { level: 1 }) : bytes);
  return p;
}

/** Copy with some little-endian fields changed. */
export function patch(bytes: Buffer, edits: [offset: number, kind: 'i16' | 'i32' | 'f32' | 'f64' | 'i64' | 'u8' | 'str', value: number | string][]): Buffer {
  const b = Buffer.from(bytes);
  for (const [o, kind, v] of edits) {
    if (kind === 'i16') b.writeInt16LE(v as number, o);
    else if (kind === 'i32') b.writeInt32LE(v as number, o);
    else if (kind === 'f32') b.writeFloatLE(v as number, o);
    else if (kind === 'f64') b.writeDoubleLE(v as number, o);
    else if (kind === 'i64') b.writeBigInt64LE(BigInt(v), o);
    else if (kind === 'u8') b[o] = v as number;
    else b.write(v as string, o, 'latin1');
  }
  return b;
}

const V1_FIELDS: [number, number, number][] = [
  // [offset, element size, count]
  [0, 4, 1], [32, 4, 1], [36, 2, 1], [40, 2, 8], [56, 4, 3], [68, 2, 4], [76, 4, 8], [108, 4, 3], [120, 2, 1],
  [124, 4, 4], [140, 4, 2], [252, 2, 2], [256, 4, 18],
];
const V2_FIELDS: [number, number, number][] = [
  [0, 4, 1], [12, 2, 2], [16, 8, 8], [80, 8, 3], [104, 8, 8], [168, 8, 1], [176, 8, 6], [224, 8, 2], [344, 4, 2],
  [352, 8, 18], [496, 4, 3],
];

function swapRange(b: Buffer, at: number, size: number, count: number): void {
  for (let k = 0; k < count; k++) b.subarray(at + k * size, at + (k + 1) * size).reverse();
}

/** The same image as a big-endian file: every numeric header field and every voxel byte-swapped. */
export function toBigEndian(le: Buffer, version: 1 | 2, bytesPerValue: number): Buffer {
  const b = Buffer.from(le);
  const fields = version === 1 ? V1_FIELDS : V2_FIELDS;
  const voxOffset = version === 1 ? le.readFloatLE(108) : Number(le.readBigInt64LE(168));
  for (const [o, s, n] of fields) swapRange(b, o, s, n);
  const n = Math.floor((b.length - voxOffset) / bytesPerValue);
  swapRange(b, voxOffset, bytesPerValue, n);
  return b;
}
