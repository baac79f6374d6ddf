/**
 * A minimal WebAssembly encoder: just enough to write a few SIMD loops that run on tfjs-backend-wasm's
 * own heap (the module imports that memory), generated at load time so no binary ships in the repo.
 * Functions take i32 byte pointers / counts and f32 scalars; locals are named.
 */

export const I32 = 0x7f, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;
type Type = typeof I32 | typeof F32 | typeof F64 | typeof V128;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (t: string) => vec([...Buffer.from(t)].map((x) => [x]));
const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
const simd = (code: number) => [0xfd, ...uleb(code)];
const mem = (align: number) => [...uleb(align), 0];

/** Instruction emitters (stack machine, as in the text format). */
export const op = {
  i32: (v: number) => [0x41, ...sleb(v | 0)],
  f32: (v: number) => [0x43, ...new Uint8Array(new Float32Array([v]).buffer)],
  f64: (v: number) => [0x44, ...new Uint8Array(new Float64Array([v]).buffer)],
  add: [0x6a], sub: [0x6b], mul: [0x6c], shl: [0x74], ltu: [0x49], geu: [0x4f], eqz: [0x45],
  block: [0x02, 0x40], loop: [0x03, 0x40], if: [0x04, 0x40], end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)], brIf: (d: number) => [0x0d, ...uleb(d)],
  f32Load: [0x2a, ...mem(2)], f32Store: [0x38, ...mem(2)],
  f64Load: [0x2b, ...mem(3)], f64Store: [0x39, ...mem(3)],
  f64PromoteF32: [0xbb], f64Add: [0xa0],
  vLoad: [...simd(0x00), ...mem(4)], vStore: [...simd(0x0b), ...mem(4)],
  splat: simd(0x13), gt: simd(0x44), bitselect: simd(0x52),
  fadd: simd(0xe4), fsub: simd(0xe5), fmul: simd(0xe6), fmax: simd(0xe9),
  extract: (lane: number) => [...simd(0x1f), lane],
};

export interface FuncSpec {
  name: string;
  params: [string, Type][];
  locals: [string, Type][];
  /** body(get, set, tee) returns the instruction bytes */
  body: (l: Locals) => number[];
}

export interface Locals {
  get(n: string): number[];
  set(n: string): number[];
  tee(n: string): number[];
}

/** A module importing env.memory and exporting the given functions. */
export function assemble(funcs: FuncSpec[]): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map(([, t]) => [t])), ...vec([])]);
  const codes = funcs.map((f) => {
    const index = new Map<string, number>();
    [...f.params, ...f.locals].forEach(([n], i) => index.set(n, i));
    const at = (n: string) => {
      const i = index.get(n);
      if (i === undefined) throw new Error(`wasm ${f.name}: no local ${n}`);
      return uleb(i);
    };
    const l: Locals = { get: (n) => [0x20, ...at(n)], set: (n) => [0x21, ...at(n)], tee: (n) => [0x22, ...at(n)] };
    const body = [...vec(f.locals.map(([, t]) => [1, t])), ...f.body(l), 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(codes)),
  ]);
}
