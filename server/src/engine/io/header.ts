import { type Datatype, type DatatypeName, datatypeByCode } from './datatypes';
import { NiftiError } from './errors';

/** One header extension (nifti1.h section 4): the code names its format (6 = AFNI, 32 = CIFTI, ...). */
export interface NiftiExtension {
  code: number;
  /** The extension's bytes after its 8-byte esize/ecode prefix, including any padding. */
  data: Uint8Array;
}

export type SpatialUnits = 'unknown' | 'm' | 'mm' | 'um';
export type TemporalUnits = 'unknown' | 's' | 'ms' | 'us' | 'Hz' | 'ppm' | 'rad/s';

/**
 * A NIfTI-1 or NIfTI-2 header, field for field as stored (numbers of NIfTI-2 int64 fields as JS numbers;
 * values above 2^53 are refused). Derived values (affine, shape, spacing) live in geometry.ts.
 */
export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** 'n+1' / 'n+2' for a single .nii file, 'ni1' / 'ni2' for a .hdr/.img pair. */
  magic: string;
  datatypeCode: number;
  datatype: DatatypeName;
  bitpix: number;
  /** dim[0] = number of dimensions, dim[1..7] their sizes, i = dim[1] fastest in the file. */
  dim: number[];
  /** pixdim[0] = qfac, pixdim[1..3] voxel size, pixdim[4] time step; as stored (not fixed up). */
  pixdim: number[];
  intentCode: number;
  intentName: string;
  intentP1: number;
  intentP2: number;
  intentP3: number;
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  calMax: number;
  calMin: number;
  sliceCode: number;
  sliceStart: number;
  sliceEnd: number;
  sliceDuration: number;
  toffset: number;
  dimInfo: number;
  xyztUnits: number;
  spatialUnits: SpatialUnits;
  temporalUnits: TemporalUnits;
  descrip: string;
  auxFile: string;
  qformCode: number;
  sformCode: number;
  quaternB: number;
  quaternC: number;
  quaternD: number;
  qoffsetX: number;
  qoffsetY: number;
  qoffsetZ: number;
  srowX: number[];
  srowY: number[];
  srowZ: number[];
  extensions: NiftiExtension[];
}

export const NIFTI1_HEADER_SIZE = 348;
export const NIFTI2_HEADER_SIZE = 540;
export const NIFTI_INTENT_LABEL = 1002;

/** What the first bytes of a header say: enough to know how many more bytes the header needs. */
export interface HeaderProbe {
  version: 1 | 2;
  littleEndian: boolean;
  headerSize: number;
  voxOffset: number;
  paired: boolean;
}

const SPATIAL_UNITS: Record<number, SpatialUnits> = { 0: 'unknown', 1: 'm', 2: 'mm', 3: 'um' };
const TEMPORAL_UNITS: Record<number, TemporalUnits> = { 0: 'unknown', 8: 's', 16: 'ms', 24: 'us', 32: 'Hz', 40: 'ppm', 48: 'rad/s' };

function cstring(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function int64(view: DataView, offset: number, le: boolean, file: string, field: string): number {
  const v = view.getBigInt64(offset, le);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new NiftiError(file, `${field} is ${v}, too large to be a real value`);
  }
  return Number(v);
}

/**
 * Reads sizeof_hdr (which also gives the byte order) and the data offset from the first bytes.
 * `bytes` holds at least the first min(file size, 540) bytes.
 */
export function probeHeader(bytes: Uint8Array, file: string, pairedFile: boolean): HeaderProbe {
  if (bytes.length < 4) throw new NiftiError(file, `is ${bytes.length} bytes long, too short for a NIfTI header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = view.getInt32(0, true);
  const be = view.getInt32(0, false);
  let version: 1 | 2;
  let littleEndian: boolean;
  if (le === NIFTI1_HEADER_SIZE) [version, littleEndian] = [1, true];
  else if (be === NIFTI1_HEADER_SIZE) [version, littleEndian] = [1, false];
  else if (le === NIFTI2_HEADER_SIZE) [version, littleEndian] = [2, true];
  else if (be === NIFTI2_HEADER_SIZE) [version, littleEndian] = [2, false];
  else throw new NiftiError(file, `is not a NIfTI file: sizeof_hdr is ${le}, expected 348 (NIfTI-1) or 540 (NIfTI-2)`);
  const headerSize = version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE;
  if (bytes.length < headerSize) {
    throw new NiftiError(file, `ends after ${bytes.length} bytes, inside its ${headerSize}-byte NIfTI-${version} header`);
  }
  const magic = version === 1 ? cstring(bytes, 344, 348) : cstring(bytes, 4, 8);
  const single = version === 1 ? 'n+1' : 'n+2';
  const pair = version === 1 ? 'ni1' : 'ni2';
  if (magic !== single && magic !== pair) {
    const shown = JSON.stringify(magic);
    throw new NiftiError(file, `has magic ${shown}, not "${single}" or "${pair}" (not a NIfTI-${version} header${version === 1 && magic === '' ? '; an Analyze 7.5 file?' : ''})`);
  }
  if (version === 2) {
    const eol = [bytes[8], bytes[9], bytes[10], bytes[11]];
    const ok = (eol[0] === 13 && eol[1] === 10 && eol[2] === 26 && eol[3] === 10) || eol.every((b) => b === 0);
    if (!ok) throw new NiftiError(file, 'has a corrupt NIfTI-2 magic (the \\r\\n\\032\\n check bytes are wrong: transferred in text mode?)');
  }
  const paired = magic === pair;
  if (paired && !pairedFile) throw new NiftiError(file, `has the magic "${pair}" of a .hdr/.img pair, but is a single file`);
  if (!paired && pairedFile) throw new NiftiError(file, `is a .hdr but its magic "${single}" says the image data is in the same file`);
  let voxOffset: number;
  if (version === 1) {
    const v = view.getFloat32(108, littleEndian);
    if (!Number.isFinite(v) || v < 0) throw new NiftiError(file, `has vox_offset ${v}, not a byte offset`);
    voxOffset = Math.trunc(v);
  } else {
    voxOffset = int64(view, 168, littleEndian, file, 'vox_offset');
    if (voxOffset < 0) throw new NiftiError(file, `has vox_offset ${voxOffset}, not a byte offset`);
  }
  if (!paired && voxOffset < headerSize + 4) {
    throw new NiftiError(file, `has vox_offset ${voxOffset}, inside the ${headerSize}-byte header (a single-file NIfTI-${version} needs at least ${headerSize + 4})`);
  }
  return { version, littleEndian, headerSize, voxOffset, paired };
}

/**
 * Parses a complete header. `bytes` holds the file from byte 0 up to at least vox_offset (single file) or
 * the whole .hdr (pair); extensions are read from there. Throws NiftiError on anything inconsistent.
 */
export function parseHeader(bytes: Uint8Array, file: string, pairedFile: boolean): NiftiHeader {
  const probe = probeHeader(bytes, file, pairedFile);
  const { version, littleEndian: le } = probe;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const f32 = (o: number) => view.getFloat32(o, le);
  const f64 = (o: number) => view.getFloat64(o, le);
  const i16 = (o: number) => view.getInt16(o, le);
  const i32 = (o: number) => view.getInt32(o, le);
  const i64 = (o: number, field: string) => int64(view, o, le, file, field);
  let h: Omit<NiftiHeader, 'datatype' | 'spatialUnits' | 'temporalUnits' | 'extensions'>;
  if (version === 1) {
    h = {
      version,
      littleEndian: le,
      magic: cstring(bytes, 344, 348),
      dimInfo: bytes[39],
      dim: Array.from({ length: 8 }, (_, k) => i16(40 + 2 * k)),
      intentP1: f32(56),
      intentP2: f32(60),
      intentP3: f32(64),
      intentCode: i16(68),
      datatypeCode: i16(70),
      bitpix: i16(72),
      sliceStart: i16(74),
      pixdim: Array.from({ length: 8 }, (_, k) => f32(76 + 4 * k)),
      voxOffset: probe.voxOffset,
      sclSlope: f32(112),
      sclInter: f32(116),
      sliceEnd: i16(120),
      sliceCode: bytes[122],
      xyztUnits: bytes[123],
      calMax: f32(124),
      calMin: f32(128),
      sliceDuration: f32(132),
      toffset: f32(136),
      descrip: cstring(bytes, 148, 228),
      auxFile: cstring(bytes, 228, 252),
      qformCode: i16(252),
      sformCode: i16(254),
      quaternB: f32(256),
      quaternC: f32(260),
      quaternD: f32(264),
      qoffsetX: f32(268),
      qoffsetY: f32(272),
      qoffsetZ: f32(276),
      srowX: [0, 1, 2, 3].map((k) => f32(280 + 4 * k)),
      srowY: [0, 1, 2, 3].map((k) => f32(296 + 4 * k)),
      srowZ: [0, 1, 2, 3].map((k) => f32(312 + 4 * k)),
      intentName: cstring(bytes, 328, 344),
    };
  } else {
    h = {
      version,
      littleEndian: le,
      magic: cstring(bytes, 4, 8),
      datatypeCode: i16(12),
      bitpix: i16(14),
      dim: Array.from({ length: 8 }, (_, k) => i64(16 + 8 * k, `dim[${k}]`)),
      intentP1: f64(80),
      intentP2: f64(88),
      intentP3: f64(96),
      pixdim: Array.from({ length: 8 }, (_, k) => f64(104 + 8 * k)),
      voxOffset: probe.voxOffset,
      sclSlope: f64(176),
      sclInter: f64(184),
      calMax: f64(192),
      calMin: f64(200),
      sliceDuration: f64(208),
      toffset: f64(216),
      sliceStart: i64(224, 'slice_start'),
      sliceEnd: i64(232, 'slice_end'),
      descrip: cstring(bytes, 240, 320),
      auxFile: cstring(bytes, 320, 344),
      qformCode: i32(344),
      sformCode: i32(348),
      quaternB: f64(352),
      quaternC: f64(360),
      quaternD: f64(368),
      qoffsetX: f64(376),
      qoffsetY: f64(384),
      qoffsetZ: f64(392),
      srowX: [0, 1, 2, 3].map((k) => f64(400 + 8 * k)),
      srowY: [0, 1, 2, 3].map((k) => f64(432 + 8 * k)),
      srowZ: [0, 1, 2, 3].map((k) => f64(464 + 8 * k)),
      sliceCode: i32(496),
      xyztUnits: i32(500),
      intentCode: i32(504),
      intentName: cstring(bytes, 508, 524),
      dimInfo: bytes[524],
    };
  }
  const dt = checkDatatype(file, h.datatypeCode, h.bitpix);
  checkDims(file, h.dim);
  const header: NiftiHeader = {
    ...h,
    datatype: dt.name,
    spatialUnits: SPATIAL_UNITS[h.xyztUnits & 0x07] ?? 'unknown',
    temporalUnits: TEMPORAL_UNITS[h.xyztUnits & 0x38] ?? 'unknown',
    extensions: readExtensions(bytes, view, probe, file),
  };
  return header;
}

export function checkDatatype(file: string, code: number, bitpix: number): Datatype {
  const dt = datatypeByCode(code);
  if (!dt) throw new NiftiError(file, `has datatype code ${code}, which is not a NIfTI datatype`);
  if (dt.bitpix !== bitpix) {
    throw new NiftiError(file, `has datatype ${dt.name} (code ${code}) but bitpix ${bitpix}; ${dt.name} has ${dt.bitpix} bits per voxel`);
  }
  return dt;
}

export function checkDims(file: string, dim: number[]): void {
  const n = dim[0];
  if (!(n >= 1 && n <= 7)) throw new NiftiError(file, `has dim[0] = ${n}; the number of dimensions must be 1 to 7`);
  for (let k = 1; k <= n; k++) {
    if (!(dim[k] >= 1)) throw new NiftiError(file, `has dim[${k}] = ${dim[k]}; every dimension of the image must be at least 1`);
  }
}

/** Reads the extension chain between the header and vox_offset, the way nibabel does. */
function readExtensions(bytes: Uint8Array, view: DataView, probe: HeaderProbe, file: string): NiftiExtension[] {
  const start = probe.headerSize;
  // A single-file header whose data starts right after the header has no room for the 4-byte flag.
  if (!probe.paired && probe.voxOffset < start + 4) return [];
  if (bytes.length < start + 4 || bytes[start] === 0) return [];
  const end = probe.paired ? bytes.length : probe.voxOffset;
  if (bytes.length < end) throw new NiftiError(file, `ends after ${bytes.length} bytes, before its vox_offset ${probe.voxOffset}`);
  const out: NiftiExtension[] = [];
  let pos = start + 4;
  // nibabel's loop condition: an extension needs at least 16 bytes.
  while (end - pos >= 16) {
    const esize = view.getInt32(pos, probe.littleEndian);
    const ecode = view.getInt32(pos + 4, probe.littleEndian);
    if (esize === 0 && ecode === 0) break;
    // The standard wants multiples of 16; nibabel accepts any size that fits, and so do we.
    if (esize < 8) throw new NiftiError(file, `has a header extension at byte ${pos} with size ${esize}; the size counts its own 8-byte prefix`);
    if (pos + esize > end) {
      throw new NiftiError(file, `has a header extension at byte ${pos} of ${esize} bytes that runs past the start of the image data at ${end}`);
    }
    out.push({ code: ecode, data: bytes.slice(pos + 8, pos + esize) });
    pos += esize;
  }
  return out;
}

/** Number of voxels in the image (product of dim[1..dim[0]]). */
export function voxelCount(h: Pick<NiftiHeader, 'dim'>): number {
  let n = 1;
  for (let k = 1; k <= h.dim[0]; k++) n *= h.dim[k];
  return n;
}
