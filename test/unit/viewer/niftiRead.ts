import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

/**
 * A deliberately small NIfTI-1 reader for the viewer's tests (uint8/int16/float32, little-endian, sform):
 * independent of the webview's reader, so the two check each other.
 */
export function readNifti1(file: string): { dims: number[]; affine: number[][]; data: Float64Array } {
  let b = fs.readFileSync(file);
  if (b[0] === 0x1f && b[1] === 0x8b) b = zlib.gunzipSync(b);
  if (b.readInt32LE(0) !== 348) throw new Error(`${file}: not a little-endian NIfTI-1 file`);
  const dims = [1, 2, 3].map((i) => b.readInt16LE(40 + 2 * i));
  const datatype = b.readInt16LE(70);
  const voxOffset = b.readFloatLE(108);
  if (b.readInt16LE(254) <= 0) throw new Error(`${file}: no sform`);
  const affine = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => b.readFloatLE(280 + 16 * r + 4 * c)));
  affine.push([0, 0, 0, 1]);
  const n = dims[0] * dims[1] * dims[2];
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (datatype === 2) data[i] = b[voxOffset + i];
    else if (datatype === 4) data[i] = b.readInt16LE(voxOffset + 2 * i);
    else if (datatype === 16) data[i] = b.readFloatLE(voxOffset + 4 * i);
    else throw new Error(`${file}: datatype ${datatype} not handled by the test reader`);
  }
  return { dims, affine, data };
}
