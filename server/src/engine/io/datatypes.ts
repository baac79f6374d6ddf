/** NIfTI datatype codes (nifti1.h), the bits per voxel each one implies, and how the engine holds it. */

export type TypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export type DatatypeName =
  | 'binary'
  | 'uint8'
  | 'int16'
  | 'int32'
  | 'float32'
  | 'complex64'
  | 'float64'
  | 'rgb24'
  | 'int8'
  | 'uint16'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float128'
  | 'complex128'
  | 'complex256'
  | 'rgba32';

export interface TypedArrayCtor {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
}

export interface Datatype {
  code: number;
  name: DatatypeName;
  bitpix: number;
  /** Array type of one stored component; undefined where the engine cannot hold the type. */
  array?: TypedArrayCtor;
  /** Components per voxel: 3 for RGB, 4 for RGBA, 2 for complex (real, imaginary), else 1. */
  components: number;
}

const T = (code: number, name: DatatypeName, bitpix: number, array?: TypedArrayCtor, components = 1): Datatype => ({
  code,
  name,
  bitpix,
  array,
  components,
});

export const DATATYPES: readonly Datatype[] = [
  T(1, 'binary', 1),
  T(2, 'uint8', 8, Uint8Array),
  T(4, 'int16', 16, Int16Array),
  T(8, 'int32', 32, Int32Array),
  T(16, 'float32', 32, Float32Array),
  T(32, 'complex64', 64, Float32Array, 2),
  T(64, 'float64', 64, Float64Array),
  T(128, 'rgb24', 24, Uint8Array, 3),
  T(256, 'int8', 8, Int8Array),
  T(512, 'uint16', 16, Uint16Array),
  T(768, 'uint32', 32, Uint32Array),
  T(1024, 'int64', 64, BigInt64Array as unknown as TypedArrayCtor),
  T(1280, 'uint64', 64, BigUint64Array as unknown as TypedArrayCtor),
  T(1536, 'float128', 128),
  T(1792, 'complex128', 128, Float64Array, 2),
  T(2048, 'complex256', 256),
  T(2304, 'rgba32', 32, Uint8Array, 4),
];

export function datatypeByCode(code: number): Datatype | undefined {
  return DATATYPES.find((d) => d.code === code);
}

export function datatypeByName(name: string): Datatype | undefined {
  return DATATYPES.find((d) => d.name === name);
}

/** The datatype of a typed array, for writing. */
export function datatypeOfArray(data: TypedArray): Datatype {
  const name: DatatypeName =
    data instanceof Uint8Array ? 'uint8'
    : data instanceof Int8Array ? 'int8'
    : data instanceof Int16Array ? 'int16'
    : data instanceof Uint16Array ? 'uint16'
    : data instanceof Int32Array ? 'int32'
    : data instanceof Uint32Array ? 'uint32'
    : data instanceof BigInt64Array ? 'int64'
    : data instanceof BigUint64Array ? 'uint64'
    : data instanceof Float64Array ? 'float64'
    : 'float32';
  return datatypeByName(name)!;
}

/** True where the host stores numbers little-endian (every platform Node ships on, but check). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
