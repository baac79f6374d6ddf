import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { type DatatypeName, type TypedArray, type Datatype, datatypeByName, datatypeOfArray, HOST_LITTLE_ENDIAN } from './datatypes';
import { NiftiError } from './errors';
import { type NiftiExtension, type NiftiHeader, NIFTI_INTENT_LABEL } from './header';
import { type Mat4, affineToQform } from './geometry';
import type { NiftiVolume } from './read';
import { encodeHeader } from './writeHeader';
import { directGzip } from './zlibDirect';

export interface WriteOptions {
  /** 'label': integer map written as uint8/int16 with intent NIFTI_INTENT_LABEL; 'image': float32. */
  kind: 'label' | 'image';
  /** Geometry (qform, sform, pixdim, units) is copied from this header (or volume's header). */
  reference?: NiftiHeader | NiftiVolume;
  /** Voxel-to-world affine; overrides the reference's. qform and sform are both set from it. */
  affine?: Mat4;
  /** Spacing in engine order ([sz, sy, sx]); overrides pixdim (and, without an affine, sets method-1 geometry). */
  spacing?: number[];
  /** Stored type; labels default to the smallest of uint8/int16 that holds the values, images to float32. */
  datatype?: DatatypeName;
  extensions?: NiftiExtension[];
  /** Written to the 80-character descrip field. */
  description?: string;
  /** gzip level for .nii.gz, 1 (fast, nibabel's default) to 9. */
  compressionLevel?: number;
}

const WRITABLE: DatatypeName[] = ['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64'];

const RANGES: Partial<Record<DatatypeName, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
};

function isBig(a: TypedArray): a is BigInt64Array | BigUint64Array {
  return a instanceof BigInt64Array || a instanceof BigUint64Array;
}

function labelRange(file: string, data: TypedArray): [number, number] {
  if (isBig(data)) {
    let lo = Infinity, hi = -Infinity;
    for (const v of data) { const x = Number(v); if (x < lo) lo = x; if (x > hi) hi = x; }
    return [lo, hi];
  }
  let lo = Infinity, hi = -Infinity;
  const d = data as Exclude<TypedArray, BigInt64Array | BigUint64Array>;
  const float = d instanceof Float32Array || d instanceof Float64Array;
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
    if (float && !Number.isInteger(x)) throw new NiftiError(file, `cannot be written as a label map: voxel ${i} has the non-integer value ${x}`);
  }
  return d.length ? [lo, hi] : [0, 0];
}

function chooseDatatype(file: string, data: TypedArray, opts: WriteOptions): Datatype {
  if (opts.datatype) {
    const dt = datatypeByName(opts.datatype);
    if (!dt || !WRITABLE.includes(dt.name)) throw new NiftiError(file, `cannot be written with datatype ${opts.datatype}; use one of ${WRITABLE.join(', ')}`);
    if (opts.kind === 'label' && RANGES[dt.name]) {
      const [lo, hi] = labelRange(file, data);
      const [a, b] = RANGES[dt.name]!;
      if (lo < a || hi > b) throw new NiftiError(file, `cannot be written as ${dt.name}: label values run from ${lo} to ${hi}`);
    }
    return dt;
  }
  if (opts.kind === 'image') return datatypeByName('float32')!;
  const own = datatypeOfArray(data);
  if (own.name === 'uint8' || own.name === 'int16') return own;
  const [lo, hi] = labelRange(file, data);
  if (lo >= 0 && hi <= 255) return datatypeByName('uint8')!;
  if (lo >= -32768 && hi <= 32767) return datatypeByName('int16')!;
  throw new NiftiError(file, `cannot be written as a uint8/int16 label map: label values run from ${lo} to ${hi} (pass datatype: 'int32')`);
}

function refHeader(ref: NiftiHeader | NiftiVolume | undefined): NiftiHeader | undefined {
  if (!ref) return undefined;
  return 'header' in ref && 'data' in ref ? ref.header : (ref as NiftiHeader);
}

/** Builds the header of the file to write: geometry from the reference/affine/spacing, the rest fresh. */
export function headerForWrite(file: string, shape: number[], dt: Datatype, opts: WriteOptions): NiftiHeader {
  if (shape.length < 1 || shape.length > 7) throw new NiftiError(file, `cannot be written: a NIfTI image has 1 to 7 dimensions, not ${shape.length}`);
  const dims = [...shape].reverse();
  for (const d of dims) if (!Number.isInteger(d) || d < 1) throw new NiftiError(file, `cannot be written: shape ${JSON.stringify(shape)} has a dimension below 1`);
  const version: 1 | 2 = dims.some((d) => d > 32767) ? 2 : 1;
  const ref = refHeader(opts.reference);
  const h: NiftiHeader = {
    version,
    littleEndian: true,
    magic: version === 1 ? 'n+1' : 'n+2',
    datatypeCode: dt.code,
    datatype: dt.name,
    bitpix: dt.bitpix,
    dim: [dims.length, ...dims, ...new Array<number>(7 - dims.length).fill(1)],
    pixdim: ref ? [...ref.pixdim] : [1, 1, 1, 1, 1, 1, 1, 1],
    intentCode: opts.kind === 'label' ? NIFTI_INTENT_LABEL : 0,
    intentName: opts.kind === 'label' ? 'labels' : '',
    intentP1: 0,
    intentP2: 0,
    intentP3: 0,
    voxOffset: 0,
    sclSlope: 1,
    sclInter: 0,
    calMax: 0,
    calMin: 0,
    sliceCode: ref?.sliceCode ?? 0,
    sliceStart: ref?.sliceStart ?? 0,
    sliceEnd: ref?.sliceEnd ?? 0,
    sliceDuration: ref?.sliceDuration ?? 0,
    toffset: ref?.toffset ?? 0,
    dimInfo: ref?.dimInfo ?? 0,
    xyztUnits: ref?.xyztUnits ?? 2,
    spatialUnits: ref?.spatialUnits ?? 'mm',
    temporalUnits: ref?.temporalUnits ?? 'unknown',
    descrip: (opts.description ?? '').slice(0, 80),
    auxFile: '',
    qformCode: ref?.qformCode ?? 0,
    sformCode: ref?.sformCode ?? 0,
    quaternB: ref?.quaternB ?? 0,
    quaternC: ref?.quaternC ?? 0,
    quaternD: ref?.quaternD ?? 0,
    qoffsetX: ref?.qoffsetX ?? 0,
    qoffsetY: ref?.qoffsetY ?? 0,
    qoffsetZ: ref?.qoffsetZ ?? 0,
    srowX: ref ? [...ref.srowX] : [1, 0, 0, 0],
    srowY: ref ? [...ref.srowY] : [0, 1, 0, 0],
    srowZ: ref ? [...ref.srowZ] : [0, 0, 1, 0],
    extensions: opts.extensions ?? [],
  };
  if (opts.affine) {
    const a = opts.affine;
    if (a.length !== 4 || a.some((r) => r.length !== 4 || r.some((x) => !Number.isFinite(x)))) throw new NiftiError(file, 'cannot be written: the affine must be a 4x4 matrix of finite numbers');
    const q = affineToQform(a);
    h.srowX = [...a[0]];
    h.srowY = [...a[1]];
    h.srowZ = [...a[2]];
    h.quaternB = q.quatern[0];
    h.quaternC = q.quatern[1];
    h.quaternD = q.quatern[2];
    [h.qoffsetX, h.qoffsetY, h.qoffsetZ] = q.offset;
    h.pixdim[0] = q.qfac;
    [h.pixdim[1], h.pixdim[2], h.pixdim[3]] = q.pixdim;
    h.sformCode = ref && ref.sformCode > 0 ? ref.sformCode : 1;
    h.qformCode = ref && ref.qformCode > 0 ? ref.qformCode : 1;
  }
  if (opts.spacing) {
    const n = Math.min(3, dims.length);
    if (opts.spacing.length !== n || opts.spacing.some((s) => !(s > 0) || !Number.isFinite(s))) {
      throw new NiftiError(file, `cannot be written: spacing must be ${n} positive numbers, got ${JSON.stringify(opts.spacing)}`);
    }
    const sp = [...opts.spacing].reverse();
    for (let k = 0; k < n; k++) h.pixdim[k + 1] = sp[k];
    if (!opts.affine && !ref) {
      h.srowX = [sp[0], 0, 0, 0];
      h.srowY = [0, sp[1] ?? 1, 0, 0];
      h.srowZ = [0, 0, sp[2] ?? 1, 0];
    }
  } else if (!opts.affine && !ref) {
    h.pixdim = [1, 1, 1, 1, 1, 1, 1, 1];
  }
  // Axes the image does not have get voxel size 1 (some readers divide by them).
  for (let k = dims.length + 1; k <= 7; k++) if (!(h.pixdim[k] > 0)) h.pixdim[k] = 1;
  if (opts.kind === 'label') h.calMin = 0;
  return h;
}

/** The bytes of the voxel array in little-endian `dt`, chunk by chunk (the array's own memory when it already is). */
function* voxelChunks(data: TypedArray, dt: Datatype, chunkVoxels: number): Generator<Uint8Array> {
  const own = datatypeOfArray(data);
  const asBytes = (a: TypedArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (own.name === dt.name && HOST_LITTLE_ENDIAN) {
    const bytes = asBytes(data);
    const step = chunkVoxels * (dt.bitpix / 8);
    for (let at = 0; at < bytes.length; at += step) yield bytes.subarray(at, Math.min(bytes.length, at + step));
    return;
  }
  const Ctor = dt.array!;
  const out = new Ctor(Math.min(chunkVoxels, data.length));
  const big = isBig(out);
  for (let at = 0; at < data.length; at += chunkVoxels) {
    const n = Math.min(chunkVoxels, data.length - at);
    const view = out.subarray(0, n) as TypedArray;
    if (isBig(data) !== big) {
      for (let i = 0; i < n; i++) (view as unknown as (number | bigint)[])[i] = big ? BigInt(Math.round(Number(data[at + i]))) : Number(data[at + i]);
    } else {
      (view as Float32Array).set(data.subarray(at, at + n) as Float32Array);
    }
    yield asBytes(view);
  }
}

let counter = 0;

/**
 * Writes a NIfTI-1 file (.nii.gz or .nii; NIfTI-2 only when a dimension exceeds 32767) atomically: a
 * temporary file in the same folder is renamed over the target once complete.
 */
export async function writeNifti(file: string, vol: { data: TypedArray; shape: number[] }, opts: WriteOptions): Promise<void> {
  const gz = /\.nii\.gz$/i.test(file);
  if (!gz && !/\.nii$/i.test(file)) throw new NiftiError(file, 'cannot be written: the file name must end in .nii.gz or .nii');
  const count = vol.shape.reduce((a, b) => a * b, 1);
  if (vol.data.length !== count) throw new NiftiError(file, `cannot be written: ${vol.data.length} values do not fill shape ${JSON.stringify(vol.shape)} (${count} voxels)`);
  const dt = chooseDatatype(file, vol.data, opts);
  const header = encodeHeader(headerForWrite(file, vol.shape, dt, opts));
  await fs.promises.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.${counter++}.tmp`);
  try {
    const chunkVoxels = Math.max(1, Math.floor((4 << 20) / (dt.bitpix / 8)));
    if (gz) await writeGzip(tmp, header, voxelChunks(vol.data, dt, chunkVoxels), opts.compressionLevel ?? 1);
    else await writePlain(tmp, header, voxelChunks(vol.data, dt, chunkVoxels));
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    if (err instanceof NiftiError) throw err;
    throw new NiftiError(file, `could not be written (${(err as Error).message})`);
  }
}

async function writePlain(tmp: string, header: Uint8Array, chunks: Iterable<Uint8Array>): Promise<void> {
  const fh = await fs.promises.open(tmp, 'w');
  try {
    await fh.write(header);
    for (const c of chunks) await fh.write(c);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeGzip(tmp: string, header: Uint8Array, chunks: Iterable<Uint8Array>, level: number): Promise<void> {
  const z = directGzip(level);
  if (!z) return writeGzipStream(tmp, header, chunks, level);
  // Compress each piece straight into one reused output buffer and write that out: no per-chunk buffers.
  const fh = await fs.promises.open(tmp, 'w');
  const out = Buffer.allocUnsafe(1 << 20);
  try {
    const pieces = (function* () {
      yield header;
      yield* chunks;
    })();
    for (const c of pieces) {
      let off = 0;
      for (;;) {
        const r = z.step(false, c, off, c.length - off, out, 0, out.length);
        off += r.consumed;
        if (r.produced) await fh.write(out, 0, r.produced);
        if (off >= c.length && r.produced < out.length) break;
      }
    }
    const empty = new Uint8Array(0);
    for (;;) {
      const r = z.step(true, empty, 0, 0, out, 0, out.length);
      if (r.produced) await fh.write(out, 0, r.produced);
      if (r.produced < out.length) break;
    }
    await fh.sync();
  } finally {
    z.close();
    await fh.close();
  }
}

async function writeGzipStream(tmp: string, header: Uint8Array, chunks: Iterable<Uint8Array>, level: number): Promise<void> {
  const gzip = zlib.createGzip({ level, chunkSize: 1 << 20 });
  const out = fs.createWriteStream(tmp);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', () => resolve());
    out.on('error', reject);
    gzip.on('error', reject);
  });
  gzip.pipe(out);
  const write = (c: Uint8Array) => new Promise<void>((resolve, reject) => {
    // The chunk is compressed before the callback fires, so a reused conversion buffer is safe.
    gzip.write(c, (err) => (err ? reject(err) : resolve()));
  });
  await write(header);
  for (const c of chunks) await write(c);
  gzip.end();
  await done;
  const fh = await fs.promises.open(tmp, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
