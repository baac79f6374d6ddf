/**
 * gzip straight into and out of buffers we own, through the synchronous zlib handle that node:zlib's own
 * *Sync functions drive (`_handle.writeSync` with `_writeState`). The stream API allocates a fresh output
 * Buffer per chunk, which for a 150 MiB volume leaves tens of MiB of garbage outside the V8 heap until a GC
 * runs; this path allocates nothing per chunk and needs no copy. These are internal (underscore) members,
 * present from Node 10 to 22, so availability is checked and callers fall back to the stream API.
 */
import * as zlib from 'node:zlib';

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}

interface Internal {
  _handle?: ZlibHandle;
  _writeState?: Uint32Array;
}

/** One gunzip or gzip context: each step reports bytes consumed and produced. */
export interface DirectZlib {
  /** Runs zlib once over input[inOff, inOff+inLen) into out[outOff, outOff+outLen); throws zlib's error. */
  step(finish: boolean, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): { consumed: number; produced: number };
  close(): void;
}

let disabled = process.env.NNSEG_ZLIB_STREAMS === '1';

function wrap(stream: zlib.Gunzip | zlib.Gzip): DirectZlib | undefined {
  const internal = stream as unknown as Internal;
  const handle = internal._handle;
  const state = internal._writeState;
  if (disabled || !handle || typeof handle.writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
    stream.destroy();
    return undefined;
  }
  // zlib reports errors by destroying the stream (synchronously, inside writeSync); keep the event quiet.
  stream.on('error', () => {});
  return {
    step(finish, input, inOff, inLen, out, outOff, outLen) {
      handle.writeSync(finish ? zlib.constants.Z_FINISH : zlib.constants.Z_NO_FLUSH, input, inOff, inLen, out, outOff, outLen);
      if (stream.destroyed) {
        const err = (stream as unknown as { errored?: Error }).errored;
        throw err ?? new Error('zlib error');
      }
      return { consumed: inLen - state[1], produced: outLen - state[0] };
    },
    close() {
      stream.destroy();
    },
  };
}

export function directGunzip(): DirectZlib | undefined {
  return wrap(zlib.createGunzip());
}

export function directGzip(level: number): DirectZlib | undefined {
  return wrap(zlib.createGzip({ level }));
}

/** For tests: force the stream fallback (true) or allow the direct path again (false). */
export function setDirectZlibDisabled(value: boolean): void {
  disabled = value;
}
