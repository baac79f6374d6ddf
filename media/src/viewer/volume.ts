/**
 * NIfTI-1/2 (and .hdr/.img pairs) to typed arrays in the webview. gzip is inflated with the browser's
 * DecompressionStream (native code, off the main thread's JavaScript); nifti-reader-js parses headers.
 */
import * as nifti from 'nifti-reader-js';
import type { Mat4 } from '../../../client/src/viewer/affine';

export type VoxelArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export interface Volume {
  name: string;
  dims: [number, number, number];
  /** Frames of a 4D file; the views show the first. */
  frames: number;
  /** First frame, file order (i fastest), native type (already byte-swapped to this machine). */
  data: VoxelArray;
  slope: number;
  inter: number;
  /** Voxel-to-world (RAS mm): sform if sform_code > 0, else qform, else pixdim scaling (nibabel's rule). */
  affine: Mat4;
  datatype: string;
  isInteger: boolean;
  intentLabel: boolean;
  pixdim: [number, number, number];
  /** Raw min/max of the first frame. */
  min: number;
  max: number;
  /** Set for the backend's subsampled preview: the file's own grid, and the sampling step per axis. */
  preview?: { fileDims: [number, number, number]; fileAffine: Mat4; factors: [number, number, number] };
}

const TYPE_BY_NAME: Record<string, new (b: ArrayBuffer, o: number, n: number) => VoxelArray> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

function minMax(data: VoxelArray): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/** NIfTI's scaling rule: scl_slope 0 (or not finite) means the stored values are the values. */
function scaling(sclSlope: number, sclInter: number): { slope: number; inter: number } {
  return {
    slope: Number.isFinite(sclSlope) && sclSlope !== 0 ? sclSlope : 1,
    inter: Number.isFinite(sclInter) && sclSlope !== 0 ? sclInter : 0,
  };
}

export interface PreviewData {
  name: string;
  dims: [number, number, number];
  affine: Mat4;
  fileDims: [number, number, number];
  fileAffine: Mat4;
  factors: [number, number, number];
  datatype: string;
  bytes: ArrayBuffer;
  sclSlope: number;
  sclInter: number;
  intentCode: number;
  frames: number;
  pixdim: [number, number, number];
}

/** The backend's preview (raw little-endian values on a subsampled grid) as a Volume. */
export function previewVolume(p: PreviewData): Volume {
  const Ctor = TYPE_BY_NAME[p.datatype];
  const n = p.dims[0] * p.dims[1] * p.dims[2];
  if (!Ctor) throw new Error(`${p.name}: the preview has datatype ${p.datatype}, which the viewer cannot display`);
  const data = new Ctor(p.bytes, 0, n);
  const [min, max] = minMax(data);
  return {
    name: p.name,
    dims: p.dims,
    frames: p.frames,
    data,
    ...scaling(p.sclSlope, p.sclInter),
    affine: p.affine,
    datatype: p.datatype,
    isInteger: !/float/.test(p.datatype),
    intentLabel: p.intentCode === 1002,
    pixdim: [Math.abs(p.pixdim[0] || 1), Math.abs(p.pixdim[1] || 1), Math.abs(p.pixdim[2] || 1)],
    min,
    max,
    preview: { fileDims: p.fileDims, fileAffine: p.fileAffine, factors: p.factors },
  };
}

const TYPES: Record<number, [string, new (b: ArrayBuffer, o: number, n: number) => VoxelArray, number]> = {
  2: ['uint8', Uint8Array, 1],
  4: ['int16', Int16Array, 2],
  8: ['int32', Int32Array, 4],
  16: ['float32', Float32Array, 4],
  64: ['float64', Float64Array, 8],
  256: ['int8', Int8Array, 1],
  512: ['uint16', Uint16Array, 2],
  768: ['uint32', Uint32Array, 4],
};

export async function gunzip(buf: ArrayBuffer): Promise<ArrayBuffer> {
  const stream = new Blob([buf]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

function isGz(buf: ArrayBuffer): boolean {
  const b = new Uint8Array(buf, 0, Math.min(2, buf.byteLength));
  return b[0] === 0x1f && b[1] === 0x8b;
}

async function inflate(buf: ArrayBuffer, name: string): Promise<ArrayBuffer> {
  if (!isGz(buf)) return buf;
  try {
    return await gunzip(buf);
  } catch (e) {
    throw new Error(`${name} is not a complete gzip stream (${e instanceof Error ? e.message : String(e)}); the file is truncated or corrupt`);
  }
}

/** sform rows straight from the header bytes (nifti-reader-js prefers the qform when its code is higher). */
function sformRows(raw: DataView, le: boolean, isNifti2: boolean): Mat4 {
  const rows: number[][] = [];
  for (let r = 0; r < 3; r++) {
    const row: number[] = [];
    for (let c = 0; c < 4; c++) row.push(isNifti2 ? raw.getFloat64(400 + 32 * r + 8 * c, le) : raw.getFloat32(280 + 16 * r + 4 * c, le));
    rows.push(row);
  }
  rows.push([0, 0, 0, 1]);
  return rows;
}

export async function decodeVolume(name: string, bytes: ArrayBuffer, paired?: ArrayBuffer): Promise<Volume> {
  const headerBuf = await inflate(bytes, name);
  const isPair = !!paired;
  if (!nifti.isNIFTI(headerBuf, isPair)) {
    throw new Error(`${name} is not a NIfTI-1/NIfTI-2 file (no n+1 / ni1 / n+2 magic in its header)`);
  }
  const hdr = nifti.readHeader(headerBuf, isPair);
  const dataBuf = paired ? await inflate(paired, name.replace(/\.hdr(\.gz)?$/i, '.img')) : headerBuf;
  const type = TYPES[hdr.datatypeCode];
  if (!type && hdr.datatypeCode !== 128 && hdr.datatypeCode !== 32) {
    throw new Error(`${name} has NIfTI datatype ${hdr.datatypeCode}, which the viewer cannot display`);
  }
  const d = hdr.dims;
  const dims = [Math.max(1, d[1]), Math.max(1, d[0] >= 2 ? d[2] : 1), Math.max(1, d[0] >= 3 ? d[3] : 1)] as [number, number, number];
  let frames = 1;
  for (let a = 4; a <= Math.min(7, d[0]); a++) frames *= Math.max(1, d[a]);
  const n = dims[0] * dims[1] * dims[2];
  const offset = paired ? 0 : Math.max(0, Math.floor(hdr.vox_offset));
  const bpv = hdr.datatypeCode === 128 ? 3 : hdr.datatypeCode === 32 ? 8 : type[2];
  if (dataBuf.byteLength < offset + n * bpv) {
    throw new Error(`${name} is truncated: its header says ${dims.join('x')} voxels of ${bpv} bytes after byte ${offset}, but the data has ${Math.max(0, dataBuf.byteLength - offset)} bytes`);
  }
  let data: VoxelArray;
  let datatype: string;
  if (hdr.datatypeCode === 128 || hdr.datatypeCode === 32) {
    // RGB24: luminance; complex64: magnitude. Both only for viewing.
    const out = new Float32Array(n);
    if (hdr.datatypeCode === 128) {
      const u8 = new Uint8Array(dataBuf, offset, n * 3);
      for (let i = 0; i < n; i++) out[i] = 0.2126 * u8[3 * i] + 0.7152 * u8[3 * i + 1] + 0.0722 * u8[3 * i + 2];
      datatype = 'rgb24 (luminance)';
    } else {
      const dv = new DataView(dataBuf, offset, n * 8);
      for (let i = 0; i < n; i++) out[i] = Math.hypot(dv.getFloat32(8 * i, hdr.littleEndian), dv.getFloat32(8 * i + 4, hdr.littleEndian));
      datatype = 'complex64 (magnitude)';
    }
    data = out;
  } else {
    const [tname, Ctor, size] = type;
    datatype = tname;
    if (hdr.littleEndian && offset % size === 0) {
      // A view on the inflated file: no copy of a volume that may be hundreds of MB.
      data = new Ctor(dataBuf, offset, n);
    } else {
      const copy = dataBuf.slice(offset, offset + n * size);
      if (!hdr.littleEndian && size > 1) {
        const b = new Uint8Array(copy);
        for (let i = 0; i < b.length; i += size) b.subarray(i, i + size).reverse();
      }
      data = new Ctor(copy, 0, n);
    }
  }
  const raw = new DataView(headerBuf);
  const isNifti2 = hdr instanceof nifti.NIFTI2;
  const sformCode = (hdr as unknown as { sform_code: number }).sform_code;
  const qformCode = (hdr as unknown as { qform_code: number }).qform_code;
  let affine: Mat4;
  if (sformCode > 0) affine = sformRows(raw, hdr.littleEndian, isNifti2);
  else if (qformCode > 0) affine = hdr.affine.map((r) => r.slice(0, 4));
  else affine = [[hdr.pixDims[1] || 1, 0, 0, 0], [0, hdr.pixDims[2] || 1, 0, 0], [0, 0, hdr.pixDims[3] || 1, 0], [0, 0, 0, 1]];
  const [min, max] = minMax(data);
  return {
    name,
    dims,
    frames,
    data,
    ...scaling(hdr.scl_slope, hdr.scl_inter),
    affine,
    datatype,
    isInteger: !/float|complex|rgb/.test(datatype),
    intentLabel: hdr.intent_code === 1002,
    pixdim: [Math.abs(hdr.pixDims[1] || 1), Math.abs(hdr.pixDims[2] || 1), Math.abs(hdr.pixDims[3] || 1)],
    min,
    max,
  };
}
