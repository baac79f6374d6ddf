import type { Datatype, TypedArray } from './datatypes';

/** Reverses the byte order of each `size`-byte element of `bytes` in place. */
export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  const n = bytes.length - (bytes.length % size);
  if (size === 2) {
    for (let i = 0; i < n; i += 2) {
      const t = bytes[i];
      bytes[i] = bytes[i + 1];
      bytes[i + 1] = t;
    }
  } else if (size === 4) {
    for (let i = 0; i < n; i += 4) {
      let t = bytes[i];
      bytes[i] = bytes[i + 3];
      bytes[i + 3] = t;
      t = bytes[i + 1];
      bytes[i + 1] = bytes[i + 2];
      bytes[i + 2] = t;
    }
  } else {
    for (let i = 0; i < n; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = bytes[a];
        bytes[a] = bytes[b];
        bytes[b] = t;
      }
    }
  }
}

/** A typed view of stored values; `bytes` must be aligned to the element size (our own buffers are). */
export function viewAs(dt: Datatype, bytes: Uint8Array): TypedArray {
  const Ctor = dt.array!;
  return new Ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
}

/**
 * Writes `src` (stored values) times slope plus inter into `out` from index `at`. The arithmetic is done in
 * float64 and rounded once to float32, like nibabel's scaling followed by the cast to float32.
 */
export function scaleInto(out: Float32Array, at: number, src: TypedArray, slope: number, inter: number): void {
  const n = src.length;
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[at + i] = Number(src[i]) * slope + inter;
  } else if (slope === 1 && inter === 0) {
    // Native conversion, no JS loop.
    out.set(src as Exclude<TypedArray, BigInt64Array | BigUint64Array>, at);
  } else {
    const s = src as Exclude<TypedArray, BigInt64Array | BigUint64Array>;
    for (let i = 0; i < n; i++) out[at + i] = s[i] * slope + inter;
  }
}
