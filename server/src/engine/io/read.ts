import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { constants as bufferConstants } from 'node:buffer';
import { type Datatype, type TypedArray, datatypeByCode, HOST_LITTLE_ENDIAN } from './datatypes';
import { NiftiError } from './errors';
import { type NiftiHeader, NIFTI2_HEADER_SIZE, parseHeader, probeHeader, voxelCount } from './header';
import { type ByteSource, openSource } from './source';
import { scaleInto, swapBytes, viewAs } from './convert';
import { type AffineSource, type Mat4, affineOf, spacingOf } from './geometry';

export interface NiftiVolume {
  file: string;
  header: NiftiHeader;
  /** Float32Array of scaled values by default; with `raw`, the stored type, unscaled. */
  data: TypedArray;
  /** C-order shape: the NIfTI dims reversed ([z, y, x], [t, z, y, x], ...), plus a trailing component axis for raw RGB/complex. */
  shape: number[];
  /** Voxel size of the spatial axes in the same order as `shape` ([sz, sy, sx]). */
  spacing: number[];
  /** 4x4 voxel (i, j, k) to world RAS+ affine; i = x index = last axis of `shape`. */
  affine: Mat4;
  affineSource: AffineSource;
  /** True when `data` holds stored values (opts.raw); false when it holds scaled float32 values. */
  raw: boolean;
}

export interface ReadOptions {
  /** Return the stored values in their own type, unscaled (cheap for label maps: no float copy). */
  raw?: boolean;
  /** Refuse images whose voxel array would exceed this many bytes (checked before allocating). */
  maxBytes?: number;
  /** 'all' (default) or the index of one 3D volume of a 4D+ image (dims 4..7 flattened, C-order). */
  volumes?: 'all' | number;
}

/** Default size limit: NNSEG_NIFTI_MAX_BYTES, else half the machine's memory, at most 16 GiB. */
export function defaultMaxBytes(): number {
  const env = Number(process.env.NNSEG_NIFTI_MAX_BYTES);
  if (Number.isFinite(env) && env > 0) return env;
  return Math.min(os.totalmem() / 2, 16 * 2 ** 30);
}

/** The file pair for a path: a .hdr (or .hdr.gz) gets its .img, an .img gets its .hdr; else one file. */
export function filePair(file: string): { header: string; image: string; paired: boolean } {
  const m = /^(.*)\.(hdr|img)(\.gz)?$/i.exec(file);
  if (!m) return { header: file, image: file, paired: false };
  const base = m[1];
  const upper = m[2] === m[2].toUpperCase();
  const find = (ext: string): string => {
    const e = upper ? ext.toUpperCase() : ext;
    for (const cand of [`${base}.${e}`, `${base}.${e}.gz`, `${base}.${e}${upper ? '.GZ' : '.gz'}`]) if (fs.existsSync(cand)) return cand;
    return `${base}.${e}`;
  };
  if (m[2].toLowerCase() === 'hdr') {
    const image = find('img');
    if (!fs.existsSync(image)) throw new NiftiError(file, `is a NIfTI header without its image file (expected ${path.basename(image)} next to it)`);
    return { header: file, image, paired: true };
  }
  const header = find('hdr');
  if (!fs.existsSync(header)) throw new NiftiError(file, `is an image file without its NIfTI header (expected ${path.basename(header)} next to it)`);
  return { header, image: file, paired: true };
}

/** Reads `n` more bytes (fewer at the end) and returns `prev` with them appended. */
async function readMore(src: ByteSource, prev: Uint8Array, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(prev.length + n);
  out.set(prev);
  const got = await src.readInto(out.subarray(prev.length));
  return out.subarray(0, prev.length + got);
}

/**
 * Reads the header from the start of `src`: the fixed header, then (when the extension flag says so) the
 * extensions up to vox_offset; never a byte past vox_offset, so the source is left inside the header
 * region or exactly at the first voxel. Returns how many bytes were consumed.
 */
async function readHeaderFrom(src: ByteSource, file: string, paired: boolean, maxBytes: number): Promise<{ header: NiftiHeader; consumed: number }> {
  let bytes = await readMore(src, new Uint8Array(0), 4);
  if (bytes.length < 4) throw new NiftiError(file, `is ${bytes.length} bytes long, too short for a NIfTI header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, 4);
  const sizeofHdr = [v.getInt32(0, true), v.getInt32(0, false)].find((s) => s === 348 || s === NIFTI2_HEADER_SIZE);
  // Anything else is refused by probeHeader with the right message.
  bytes = await readMore(src, bytes, (sizeofHdr ?? NIFTI2_HEADER_SIZE) - 4);
  const probe = probeHeader(bytes, file, paired);
  const flagAt = probe.headerSize;
  if (paired || probe.voxOffset >= flagAt + 4) {
    bytes = await readMore(src, bytes, 4);
    if (bytes.length === flagAt + 4 && bytes[flagAt] !== 0) {
      if (paired) {
        // The extensions run to the end of the .hdr file.
        while (true) {
          const before = bytes.length;
          if (before > maxBytes) throw new NiftiError(file, `has header extensions larger than the ${formatBytes(maxBytes)} limit`);
          bytes = await readMore(src, bytes, 1 << 20);
          if (bytes.length < before + (1 << 20)) break;
        }
      } else {
        const end = probe.voxOffset;
        if (end > maxBytes) throw new NiftiError(file, `has header extensions of ${formatBytes(end)} (vox_offset ${end}), more than the ${formatBytes(maxBytes)} limit`);
        if (!src.compressed && end > src.storedSize) {
          throw new NiftiError(file, `has vox_offset ${end} past the end of the file (${src.storedSize} bytes)`);
        }
        // Grow in steps so a vox_offset far beyond the real (compressed) data costs no big allocation.
        while (bytes.length < end) {
          const before = bytes.length;
          bytes = await readMore(src, bytes, Math.min(end - before, Math.max(before, 1 << 20)));
          if (bytes.length === before) break;
        }
        if (bytes.length < end) throw new NiftiError(file, `ends after ${bytes.length} bytes${src.compressed ? ' (uncompressed)' : ''}, before its vox_offset ${end}`);
      }
    }
  }
  return { header: parseHeader(bytes, file, paired), consumed: bytes.length };
}

/** Reads only the header (and extensions) of a NIfTI file: .nii, .nii.gz, .hdr/.img. */
export async function readNiftiHeader(file: string, opts: { maxBytes?: number } = {}): Promise<NiftiHeader> {
  return withIoErrors(file, () => readHeaderOnly(file, opts));
}

async function readHeaderOnly(file: string, opts: { maxBytes?: number }): Promise<NiftiHeader> {
  const pair = filePair(file);
  const src = await openSource(pair.header);
  try {
    return (await readHeaderFrom(src, file, pair.paired, opts.maxBytes ?? defaultMaxBytes())).header;
  } finally {
    await src.close();
  }
}

/** Stored datatype of a header, checked to be one the engine can hold. */
function heldDatatype(h: NiftiHeader, file: string, raw: boolean): Datatype {
  const dt = datatypeByCode(h.datatypeCode)!;
  if (!dt.array) throw new NiftiError(file, `has datatype ${dt.name}, which nnSeg cannot read (no JavaScript array type holds it)`);
  if (!raw && dt.components > 1) {
    throw new NiftiError(file, `has datatype ${dt.name}, which has ${dt.components} values per voxel and no single scalar value; read it with raw: true`);
  }
  return dt;
}

/** Scaling as nibabel applies it: none when slope is 0 or not finite; a finite slope needs a finite intercept. */
export function scalingOf(h: NiftiHeader, file: string): { slope: number; inter: number } {
  if (h.sclSlope === 0 || !Number.isFinite(h.sclSlope)) return { slope: 1, inter: 0 };
  if (!Number.isFinite(h.sclInter)) throw new NiftiError(file, `has scl_slope ${h.sclSlope} but a non-finite scl_inter ${h.sclInter}`);
  return { slope: h.sclSlope, inter: h.sclInter };
}

function maxArrayBytes(): number {
  return bufferConstants.MAX_LENGTH;
}

/**
 * Reads a NIfTI image. Default: a Float32Array of scaled values. `raw`: the stored values in their own
 * array type (Uint8Array, Int16Array, ...), unscaled, read straight into the array without a copy.
 */
export async function readNifti(file: string, opts: ReadOptions = {}): Promise<NiftiVolume> {
  return withIoErrors(file, () => readVolume(file, opts));
}

/** Operating-system errors (EIO, EACCES while reading, ...) become NiftiErrors; anything else is a bug and passes. */
async function withIoErrors<T>(file: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof NiftiError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.code === 'string' && typeof e.syscall === 'string') throw new NiftiError(file, `could not be read (${e.message})`);
    throw err;
  }
}

async function readVolume(file: string, opts: ReadOptions): Promise<NiftiVolume> {
  const raw = opts.raw ?? false;
  const maxBytes = opts.maxBytes ?? defaultMaxBytes();
  const pair = filePair(file);
  let src: ByteSource | undefined = await openSource(pair.header);
  try {
    const { header, consumed } = await readHeaderFrom(src, file, pair.paired, maxBytes);
    const dt = heldDatatype(header, file, raw);
    const { slope, inter } = scalingOf(header, file);
    const { affine, source } = affineOf(header, file);
    const spacing = spacingOf(header, file);

    const n = header.dim[0];
    const perVolume = header.dim.slice(1, Math.min(n, 3) + 1).reduce((a, b) => a * b, 1);
    const total = voxelCount(header);
    let skipVoxels = 0;
    let voxels = total;
    let dims = header.dim.slice(1, n + 1);
    const vols = opts.volumes ?? 'all';
    if (vols !== 'all') {
      const count = total / perVolume;
      if (!Number.isInteger(vols) || vols < 0 || vols >= count) {
        throw new NiftiError(file, `has ${count} volume${count === 1 ? '' : 's'}; volume ${vols} does not exist`);
      }
      skipVoxels = vols * perVolume;
      voxels = perVolume;
      dims = dims.slice(0, 3);
    }
    const storedBytesPerVoxel = dt.bitpix / 8;
    const storedBytes = voxels * storedBytesPerVoxel;
    const outBytes = raw ? storedBytes : voxels * 4;
    const limit = Math.min(maxBytes, maxArrayBytes());
    if (outBytes > limit) {
      throw new NiftiError(file, `needs ${formatBytes(outBytes)} for its voxels (${dims.join('x')} ${dt.name}), more than the ${formatBytes(limit)} limit`);
    }

    // Position the source at the first voxel wanted.
    if (pair.paired) {
      const headerSource = src;
      src = undefined;
      await headerSource.close();
      src = await openSource(pair.image);
    }
    const already = pair.paired ? 0 : consumed;
    const startByte = header.voxOffset + skipVoxels * storedBytesPerVoxel;
    if (!src.compressed) {
      const need = header.voxOffset + total * storedBytesPerVoxel;
      if (header.voxOffset > src.storedSize) {
        throw new NiftiError(pair.image, `has vox_offset ${header.voxOffset} past the end of the file (${src.storedSize} bytes)`);
      }
      if (src.storedSize < need) {
        throw new NiftiError(pair.image, `is ${src.storedSize} bytes long but its header promises ${need} (${header.dim.slice(1, n + 1).join('x')} ${dt.name} from byte ${header.voxOffset})`);
      }
    }
    const skipped = await src.skip(startByte - already);
    if (skipped < startByte - already) throw shortError(pair.image, header, dt, src.compressed);

    const shape = [...dims].reverse();
    if (raw && dt.components > 1) shape.push(dt.components);
    let data: TypedArray;
    if (raw) {
      data = new dt.array!(voxels * dt.components);
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const got = await src.readInto(bytes);
      if (got < bytes.length) throw shortError(pair.image, header, dt, src.compressed);
      if (header.littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(bytes, dt.array!.BYTES_PER_ELEMENT);
    } else {
      data = await readScaled(src, dt, voxels, header.littleEndian !== HOST_LITTLE_ENDIAN, slope, inter, pair.image, header);
    }
    // Read a gzip stream to its end so its checksum is verified (a corrupt or truncated file is an error
    // even when the voxels came out); more than 16 MiB of trailing data is left unread.
    if (vols === 'all' && src.compressed) await src.finish(16 * 2 ** 20);
    return { file, header, data, shape, spacing, affine, affineSource: source, raw };
  } finally {
    await src?.close();
  }
}

async function readScaled(src: ByteSource, dt: Datatype, voxels: number, swap: boolean, slope: number, inter: number, file: string, header: NiftiHeader): Promise<Float32Array> {
  const out = new Float32Array(voxels);
  const bpv = dt.bitpix / 8;
  if (dt.name === 'float32' && slope === 1 && inter === 0) {
    // Stored floats are the answer: read them straight into the output.
    const bytes = new Uint8Array(out.buffer);
    const got = await src.readInto(bytes);
    if (got < bytes.length) throw shortError(file, header, dt, src.compressed);
    if (swap) swapBytes(bytes, 4);
    return out;
  }
  const chunkVoxels = Math.max(1, Math.floor((4 << 20) / bpv));
  const staging = new Uint8Array(Math.min(voxels, chunkVoxels) * bpv);
  for (let at = 0; at < voxels; at += chunkVoxels) {
    const k = Math.min(chunkVoxels, voxels - at);
    const bytes = staging.subarray(0, k * bpv);
    const got = await src.readInto(bytes);
    if (got < bytes.length) throw shortError(file, header, dt, src.compressed);
    if (swap) swapBytes(bytes, bpv);
    scaleInto(out, at, viewAs(dt, bytes), slope, inter);
  }
  return out;
}

function shortError(file: string, h: NiftiHeader, dt: Datatype, compressed: boolean): NiftiError {
  const need = h.voxOffset + voxelCount(h) * (dt.bitpix / 8);
  return new NiftiError(file, `is shorter than its header promises (${h.dim.slice(1, h.dim[0] + 1).join('x')} ${dt.name} from byte ${h.voxOffset}: ${need} bytes${compressed ? ' uncompressed' : ''})`);
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} bytes`;
}
