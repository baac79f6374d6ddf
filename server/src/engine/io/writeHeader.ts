/** Serialises a NiftiHeader (always little-endian) as NIfTI-1 (348 bytes) or NIfTI-2 (540 bytes) plus extensions. */
import type { NiftiExtension, NiftiHeader } from './header';

function putString(bytes: Uint8Array, at: number, max: number, s: string): void {
  for (let i = 0; i < Math.min(s.length, max); i++) bytes[at + i] = s.charCodeAt(i) & 0x7f;
}

function extensionBlock(exts: NiftiExtension[]): { size: number; write(view: DataView, bytes: Uint8Array, at: number): void } {
  const sizes = exts.map((e) => Math.ceil((e.data.length + 8) / 16) * 16);
  return {
    size: sizes.reduce((a, b) => a + b, 0),
    write(view, bytes, at) {
      exts.forEach((e, k) => {
        view.setInt32(at, sizes[k], true);
        view.setInt32(at + 4, e.code, true);
        bytes.set(e.data, at + 8);
        at += sizes[k];
      });
    },
  };
}

/** Header, extension flag and extensions; vox_offset in `h` is ignored and set to the end of them. */
export function encodeHeader(h: NiftiHeader): Uint8Array {
  const ext = extensionBlock(h.extensions);
  const headerSize = h.version === 1 ? 348 : 540;
  const voxOffset = headerSize + 4 + ext.size;
  const bytes = new Uint8Array(voxOffset);
  const v = new DataView(bytes.buffer);
  if (h.version === 1) {
    v.setInt32(0, 348, true);
    bytes[39] = h.dimInfo & 0xff;
    h.dim.forEach((d, k) => v.setInt16(40 + 2 * k, d, true));
    v.setFloat32(56, h.intentP1, true);
    v.setFloat32(60, h.intentP2, true);
    v.setFloat32(64, h.intentP3, true);
    v.setInt16(68, h.intentCode, true);
    v.setInt16(70, h.datatypeCode, true);
    v.setInt16(72, h.bitpix, true);
    v.setInt16(74, h.sliceStart, true);
    h.pixdim.forEach((p, k) => v.setFloat32(76 + 4 * k, p, true));
    v.setFloat32(108, voxOffset, true);
    v.setFloat32(112, h.sclSlope, true);
    v.setFloat32(116, h.sclInter, true);
    v.setInt16(120, h.sliceEnd, true);
    bytes[122] = h.sliceCode & 0xff;
    bytes[123] = h.xyztUnits & 0xff;
    v.setFloat32(124, h.calMax, true);
    v.setFloat32(128, h.calMin, true);
    v.setFloat32(132, h.sliceDuration, true);
    v.setFloat32(136, h.toffset, true);
    putString(bytes, 148, 80, h.descrip);
    putString(bytes, 228, 24, h.auxFile);
    v.setInt16(252, h.qformCode, true);
    v.setInt16(254, h.sformCode, true);
    [h.quaternB, h.quaternC, h.quaternD, h.qoffsetX, h.qoffsetY, h.qoffsetZ].forEach((x, k) => v.setFloat32(256 + 4 * k, x, true));
    [...h.srowX, ...h.srowY, ...h.srowZ].forEach((x, k) => v.setFloat32(280 + 4 * k, x, true));
    putString(bytes, 328, 16, h.intentName);
    putString(bytes, 344, 4, 'n+1');
  } else {
    v.setInt32(0, 540, true);
    bytes.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4);
    v.setInt16(12, h.datatypeCode, true);
    v.setInt16(14, h.bitpix, true);
    h.dim.forEach((d, k) => v.setBigInt64(16 + 8 * k, BigInt(d), true));
    v.setFloat64(80, h.intentP1, true);
    v.setFloat64(88, h.intentP2, true);
    v.setFloat64(96, h.intentP3, true);
    h.pixdim.forEach((p, k) => v.setFloat64(104 + 8 * k, p, true));
    v.setBigInt64(168, BigInt(voxOffset), true);
    v.setFloat64(176, h.sclSlope, true);
    v.setFloat64(184, h.sclInter, true);
    v.setFloat64(192, h.calMax, true);
    v.setFloat64(200, h.calMin, true);
    v.setFloat64(208, h.sliceDuration, true);
    v.setFloat64(216, h.toffset, true);
    v.setBigInt64(224, BigInt(h.sliceStart), true);
    v.setBigInt64(232, BigInt(h.sliceEnd), true);
    putString(bytes, 240, 80, h.descrip);
    putString(bytes, 320, 24, h.auxFile);
    v.setInt32(344, h.qformCode, true);
    v.setInt32(348, h.sformCode, true);
    [h.quaternB, h.quaternC, h.quaternD, h.qoffsetX, h.qoffsetY, h.qoffsetZ].forEach((x, k) => v.setFloat64(352 + 8 * k, x, true));
    [...h.srowX, ...h.srowY, ...h.srowZ].forEach((x, k) => v.setFloat64(400 + 8 * k, x, true));
    v.setInt32(496, h.sliceCode, true);
    v.setInt32(500, h.xyztUnits, true);
    v.setInt32(504, h.intentCode, true);
    putString(bytes, 508, 16, h.intentName);
    bytes[524] = h.dimInfo & 0xff;
  }
  if (h.extensions.length) {
    bytes[headerSize] = 1;
    ext.write(v, bytes, headerSize + 4);
  }
  return bytes;
}
