/**
 * Sequential byte sources over a plain or gzip-compressed file. Readers pull exactly the bytes they need
 * into buffers they own (the voxel array itself where possible), so no whole-file copy is ever made.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { NiftiError } from './errors';
import { directGunzip, type DirectZlib } from './zlibDirect';

export interface ByteSource {
  /** Fills `dest` from the current position; returns how many bytes were read (fewer only at the end). */
  readInto(dest: Uint8Array): Promise<number>;
  /** Skips `n` bytes; returns how many were skipped. */
  skip(n: number): Promise<number>;
  /**
   * Reads on to the end (up to `limit` bytes) so that a gzip stream's checksum is verified; returns false
   * if it stopped at the limit before the end.
   */
  finish(limit: number): Promise<boolean>;
  close(): Promise<void>;
  /** Bytes in the file as stored; for a plain file also the number of bytes that can be read. */
  readonly storedSize: number;
  readonly compressed: boolean;
}

const CHUNK = 1 << 20;

export async function isGzipFile(file: string): Promise<boolean> {
  const fh = await openFile(file);
  try {
    const b = new Uint8Array(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function openFile(file: string): Promise<fs.promises.FileHandle> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a NIfTI file' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
    throw new NiftiError(file, why === 'is a folder, not a NIfTI file' ? why : `cannot be opened (${why})`);
  }
  if (!(await fh.stat()).isFile()) {
    await fh.close();
    throw new NiftiError(file, 'is a folder or device, not a NIfTI file');
  }
  return fh;
}

export async function openSource(file: string): Promise<ByteSource> {
  const gz = await isGzipFile(file);
  if (!gz) return openPlainSource(file);
  const direct = directGunzip();
  return direct ? openDirectGzipSource(file, direct) : openGzipSource(file);
}

async function openPlainSource(file: string): Promise<ByteSource> {
  const fh = await openFile(file);
  const size = (await fh.stat()).size;
  let pos = 0;
  return {
    storedSize: size,
    compressed: false,
    async readInto(dest) {
      let filled = 0;
      while (filled < dest.length) {
        const want = Math.min(dest.length - filled, 1 << 30);
        const { bytesRead } = await fh.read(dest, filled, want, pos);
        if (bytesRead === 0) break;
        filled += bytesRead;
        pos += bytesRead;
      }
      return filled;
    },
    async skip(n) {
      const k = Math.max(0, Math.min(n, size - pos));
      pos += k;
      return k;
    },
    async finish() {
      return true;
    },
    async close() {
      await fh.close();
    },
  };
}

function gzipError(file: string, err: unknown): NiftiError {
  if (err instanceof NiftiError) return err;
  const msg = (err as Error).message || String(err);
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(msg)) return new NiftiError(file, 'is a truncated gzip file (the compressed data ends early)');
  return new NiftiError(file, `is a corrupt gzip file (${msg})`);
}

async function openGzipSource(file: string): Promise<ByteSource> {
  const fh = await openFile(file);
  const size = (await fh.stat()).size;
  const rs = fh.createReadStream({ highWaterMark: CHUNK, autoClose: true });
  const gunzip = zlib.createGunzip({ chunkSize: CHUNK });
  rs.on('error', (e) => gunzip.destroy(e));
  rs.pipe(gunzip);
  const it = gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let cur: Buffer | undefined;
  let curPos = 0;
  let ended = false;

  async function next(): Promise<boolean> {
    if (ended) return false;
    try {
      const r = await it.next();
      if (r.done) {
        ended = true;
        return false;
      }
      cur = r.value;
      curPos = 0;
      return true;
    } catch (err) {
      ended = true;
      throw gzipError(file, err);
    }
  }

  async function consume(n: number, dest?: Uint8Array): Promise<number> {
    let done = 0;
    while (done < n) {
      if (!cur || curPos >= cur.length) {
        if (!(await next())) break;
        continue;
      }
      const take = Math.min(cur.length - curPos, n - done);
      if (dest) dest.set(cur.subarray(curPos, curPos + take), done);
      curPos += take;
      done += take;
    }
    return done;
  }

  return {
    storedSize: size,
    compressed: true,
    readInto: (dest) => consume(dest.length, dest),
    skip: (n) => consume(n),
    async finish(limit) {
      let seen = cur ? cur.length - curPos : 0;
      cur = undefined;
      while (seen <= limit) {
        if (!(await next())) return true;
        seen += cur!.length;
        cur = undefined;
      }
      return false;
    },
    async close() {
      gunzip.destroy();
      rs.destroy();
      await new Promise<void>((resolve) => (rs.closed ? resolve() : rs.once('close', () => resolve())));
    },
  };
}

/**
 * gzip source that inflates straight into the caller's buffer (the voxel array itself for raw reads):
 * compressed bytes are read in 1 MiB pieces into one reused buffer; no per-chunk allocation, no copy.
 */
async function openDirectGzipSource(file: string, z: DirectZlib): Promise<ByteSource> {
  const fh = await openFile(file);
  const size = (await fh.stat()).size;
  const input = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  let filePos = 0;
  let inPos = 0;
  let inLen = 0;
  let ended = false;
  let scratch: Uint8Array | undefined;

  async function refill(): Promise<void> {
    const { bytesRead } = await fh.read(input, 0, input.length, filePos);
    filePos += bytesRead;
    inPos = 0;
    inLen = bytesRead;
  }

  /** Inflates up to n bytes into dest (or a scratch buffer when skipping); returns how many came out. */
  async function inflate(n: number, dest?: Uint8Array): Promise<number> {
    let done = 0;
    while (done < n && !ended) {
      if (inLen === 0 && filePos < size) await refill();
      const last = filePos >= size;
      let out: Uint8Array, outOff: number, outLen: number;
      if (dest) [out, outOff, outLen] = [dest, done, n - done];
      else {
        scratch ??= new Uint8Array(CHUNK);
        [out, outOff, outLen] = [scratch, 0, Math.min(scratch.length, n - done)];
      }
      let r: { consumed: number; produced: number };
      try {
        r = z.step(last, input, inPos, inLen, out, outOff, outLen);
      } catch (err) {
        ended = true;
        throw gzipError(file, err);
      }
      inPos += r.consumed;
      inLen -= r.consumed;
      done += r.produced;
      if (r.produced === 0 && r.consumed === 0) {
        // Nothing moves: either input ran out (read more) or the stream is complete and what is left is
        // padding (zlib stops at NUL bytes after a member).
        if (inLen > 0 || last) ended = true;
      } else if (last && inLen === 0 && r.produced < outLen) {
        // All input given with Z_FINISH, room left over: the stream is complete.
        ended = true;
      }
    }
    return done;
  }

  return {
    storedSize: size,
    compressed: true,
    readInto: (dest) => inflate(dest.length, dest),
    skip: (n) => inflate(n),
    async finish(limit) {
      let seen = 0;
      while (!ended) {
        seen += await inflate(CHUNK);
        if (seen > limit) return false;
      }
      return true;
    },
    async close() {
      z.close();
      await fh.close();
    },
  };
}
