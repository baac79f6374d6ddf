/**
 * The elementwise passes of the fused block, as 128-bit SIMD loops over NDHWC data on the wasm heap
 * (channels a multiple of 4): normalise + leaky ReLU, the depth-slice sum with bias and statistics,
 * and the two backward passes. Per-channel sums go through f32 partials flushed every 32 voxels into
 * f64 accumulators, so they stay as accurate as the plain-JS versions, which remain the fallback.
 */
import { assemble, F32, I32, Locals, op, V128 } from './asm';

const BLOCK = 32;

type Inner = (l: Locals) => number[];

/**
 * for (p = 0; p < n*C*4; p += C*4) { for (c = 0; c < C*4; c += 16) inner; every BLOCK voxels flush }
 * Locals used: p, c, cE, end, k. `advance` runs once per voxel after the channel loop.
 */
function voxelLoop(l: Locals, inner: Inner, flushWidth: number | null, advance: number[] = []): number[] {
  const flush = flushWidth === null ? [] : flushCode(l, flushWidth);
  return [
    ...l.get('C'), ...op.i32(2), ...op.shl, ...l.set('cE'),
    ...l.get('n'), ...l.get('cE'), ...op.mul, ...l.set('end'),
    ...op.i32(0), ...l.set('p'), ...op.i32(0), ...l.set('k'),
    ...op.block, ...op.loop,
    ...l.get('p'), ...l.get('end'), ...op.geu, ...op.brIf(1),
    ...op.i32(0), ...l.set('c'),
    ...op.loop,
    ...inner(l),
    ...l.get('c'), ...op.i32(16), ...op.add, ...l.tee('c'), ...l.get('cE'), ...op.ltu, ...op.brIf(0),
    ...op.end,
    ...advance,
    ...(flushWidth === null ? [] : [
      ...l.get('k'), ...op.i32(1), ...op.add, ...l.tee('k'), ...op.i32(BLOCK), ...op.sub, ...op.eqz,
      ...op.if, ...flush, ...op.i32(0), ...l.set('k'), ...op.end,
    ]),
    ...l.get('p'), ...l.get('cE'), ...op.add, ...l.set('p'),
    ...op.br(0),
    ...op.end, ...op.end,
    ...flush,
  ];
}

/** acc[i] (f64) += part[i] (f32); part[i] = 0, for i < width*C. Locals: i, iE. */
function flushCode(l: Locals, width: number): number[] {
  return [
    ...l.get('C'), ...op.i32(width), ...op.mul, ...l.set('iE'),
    ...op.i32(0), ...l.set('i'),
    ...op.block, ...op.loop,
    ...l.get('i'), ...l.get('iE'), ...op.geu, ...op.brIf(1),
    ...l.get('acc'), ...l.get('i'), ...op.i32(3), ...op.shl, ...op.add,
    ...l.get('acc'), ...l.get('i'), ...op.i32(3), ...op.shl, ...op.add, ...op.f64Load,
    ...l.get('part'), ...l.get('i'), ...op.i32(2), ...op.shl, ...op.add, ...op.f32Load, ...op.f64PromoteF32,
    ...op.f64Add, ...op.f64Store,
    ...l.get('part'), ...l.get('i'), ...op.i32(2), ...op.shl, ...op.add, ...op.f32(0), ...op.f32Store,
    ...l.get('i'), ...op.i32(1), ...op.add, ...l.set('i'),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

const loopLocals: [string, number][] = [['p', I32], ['c', I32], ['cE', I32], ['end', I32], ['k', I32], ['i', I32], ['iE', I32]];
const at = (l: Locals, base: string, withP = true) => [...l.get(base), ...(withP ? [...l.get('p'), ...op.add] : []), ...l.get('c'), ...op.add];
const load = (l: Locals, base: string, withP = true) => [...at(l, base, withP), ...op.vLoad];
/** part[c + offset*C] += value (value computed by `v`) */
const accumulate = (l: Locals, slot: number, v: number[]) => {
  const addr = [...l.get('part'), ...l.get('c'), ...op.add, ...(slot ? [...l.get('cE'), ...op.i32(slot), ...op.mul, ...op.add] : [])];
  return [...addr, ...addr, ...op.vLoad, ...v, ...op.fadd, ...op.vStore];
};
/** gy = dy * (y > 0 ? 1 : slope), y = z*ya + yb; leaves gy in local gy, z in zv */
const leakyGrad = (l: Locals) => [
  ...load(l, 'z'), ...l.tee('zv'), ...load(l, 'ya', false), ...op.fmul, ...load(l, 'yb', false), ...op.fadd,
  ...l.set('y'),
  ...load(l, 'dy'),
  ...l.get('one'), ...l.get('sv'), ...l.get('y'), ...l.get('zero'), ...op.gt, ...op.bitselect,
  ...op.fmul, ...l.set('gy'),
];
const vconsts = (l: Locals) => [
  ...l.get('slope'), ...op.splat, ...l.set('sv'),
  ...op.f32(1), ...op.splat, ...l.set('one'),
  ...op.f32(0), ...op.splat, ...l.set('zero'),
];

export function simdModule(): Uint8Array {
  return assemble([
    {
      // n runs of len bytes (a multiple of 16): dst + i*ds <- src + i*ss (channel concat/split, scatters)
      name: 'copyRuns',
      params: [['dst', I32], ['ds', I32], ['src', I32], ['ss', I32], ['n', I32], ['len', I32]],
      locals: [['i', I32], ['c', I32]] as never,
      body: (l) => [
        ...op.i32(0), ...l.set('i'),
        ...op.block, ...op.loop,
        ...l.get('i'), ...l.get('n'), ...op.geu, ...op.brIf(1),
        ...op.i32(0), ...l.set('c'),
        ...op.loop,
        ...l.get('dst'), ...l.get('c'), ...op.add,
        ...l.get('src'), ...l.get('c'), ...op.add, ...op.vLoad,
        ...op.vStore,
        ...l.get('c'), ...op.i32(16), ...op.add, ...l.tee('c'), ...l.get('len'), ...op.ltu, ...op.brIf(0),
        ...op.end,
        ...l.get('dst'), ...l.get('ds'), ...op.add, ...l.set('dst'),
        ...l.get('src'), ...l.get('ss'), ...op.add, ...l.set('src'),
        ...l.get('i'), ...op.i32(1), ...op.add, ...l.set('i'),
        ...op.br(0),
        ...op.end, ...op.end,
      ],
    },
    {
      // out = leaky(z * a[c] + b[c])
      name: 'normAct',
      params: [['z', I32], ['out', I32], ['n', I32], ['C', I32], ['a', I32], ['b', I32], ['slope', F32]],
      locals: [...loopLocals, ['sv', V128], ['y', V128]] as never,
      body: (l) => [
        ...l.get('slope'), ...op.splat, ...l.set('sv'),
        ...voxelLoop(l, (q) => [
          ...at(q, 'out'),
          ...load(q, 'z'), ...load(q, 'a', false), ...op.fmul, ...load(q, 'b', false), ...op.fadd,
          ...q.tee('y'), ...q.get('y'), ...q.get('sv'), ...op.fmul, ...op.fmax, ...op.vStore,
        ], null),
      ],
    },
    {
      // y[p] = bias + z0[p*s0] + z1[p*s1] + z2[p*s2] (byte strides; a missing term points at zeros, stride 0);
      // with part != 0 also sums and sums of squares per channel into acc (f64 [2C]).
      name: 'sumSlices',
      params: [['y', I32], ['n', I32], ['C', I32], ['z0', I32], ['s0', I32], ['z1', I32], ['s1', I32], ['z2', I32], ['s2', I32], ['bias', I32], ['part', I32], ['acc', I32]],
      locals: [...loopLocals, ['v', V128]] as never,
      body: (l) => {
        const inner = (q: Locals, stats: boolean) => [
          ...at(q, 'y'),
          ...load(q, 'bias', false), ...load(q, 'z0', false), ...op.fadd, ...load(q, 'z1', false), ...op.fadd, ...load(q, 'z2', false), ...op.fadd,
          ...q.tee('v'), ...op.vStore,
          ...(stats ? [...accumulate(q, 0, q.get('v')), ...accumulate(q, 1, [...q.get('v'), ...q.get('v'), ...op.fmul])] : []),
        ];
        const advance = (q: Locals) => ['z0', 'z1', 'z2'].flatMap((z, i) => [...q.get(z), ...q.get(`s${i}`), ...op.add, ...q.set(z)]);
        return [
          ...l.get('part'), ...op.eqz,
          ...op.if, ...voxelLoop(l, (q) => inner(q, false), null, advance(l)), ...op.end,
          ...l.get('part'), ...op.eqz, ...op.eqz,
          ...op.if, ...voxelLoop(l, (q) => inner(q, true), 2, advance(l)), ...op.end,
        ];
      },
    },
    {
      // backward pass 1: per channel, sum of gy and of gy * (z - mu) * is into acc (f64 [2C])
      name: 'normActGrad1',
      params: [['z', I32], ['dy', I32], ['n', I32], ['C', I32], ['ya', I32], ['yb', I32], ['mu', I32], ['is', I32], ['slope', F32], ['part', I32], ['acc', I32]],
      locals: [...loopLocals, ['sv', V128], ['one', V128], ['zero', V128], ['y', V128], ['zv', V128], ['gy', V128]] as never,
      body: (l) => [
        ...vconsts(l),
        ...voxelLoop(l, (q) => [
          ...leakyGrad(q),
          ...accumulate(q, 0, q.get('gy')),
          ...accumulate(q, 1, [...q.get('gy'), ...q.get('zv'), ...load(q, 'mu', false), ...op.fsub, ...op.fmul, ...load(q, 'is', false), ...op.fmul]),
        ], 2),
      ],
    },
    {
      // backward pass 2: dz = k1*gy - k2 - k3*(z - mu); sum of dz per channel into acc (f64 [C])
      name: 'normActGrad2',
      params: [['z', I32], ['dy', I32], ['dz', I32], ['n', I32], ['C', I32], ['ya', I32], ['yb', I32], ['k1', I32], ['k2', I32], ['k3', I32], ['mu', I32], ['slope', F32], ['part', I32], ['acc', I32]],
      locals: [...loopLocals, ['sv', V128], ['one', V128], ['zero', V128], ['y', V128], ['zv', V128], ['gy', V128], ['d', V128]] as never,
      body: (l) => [
        ...vconsts(l),
        ...voxelLoop(l, (q) => [
          ...leakyGrad(q),
          ...at(q, 'dz'),
          ...load(q, 'k1', false), ...q.get('gy'), ...op.fmul, ...load(q, 'k2', false), ...op.fsub,
          ...load(q, 'k3', false), ...q.get('zv'), ...load(q, 'mu', false), ...op.fsub, ...op.fmul, ...op.fsub,
          ...q.tee('d'), ...op.vStore,
          ...accumulate(q, 0, q.get('d')),
        ], 1),
      ],
    },
  ]);
}

export interface SimdKernels {
  copyRuns(dst: number, ds: number, src: number, ss: number, n: number, len: number): void;
  normAct(z: number, out: number, n: number, C: number, a: number, b: number, slope: number): void;
  sumSlices(y: number, n: number, C: number, z0: number, s0: number, z1: number, s1: number, z2: number, s2: number, bias: number, part: number, acc: number): void;
  normActGrad1(z: number, dy: number, n: number, C: number, ya: number, yb: number, mu: number, is: number, slope: number, part: number, acc: number): void;
  normActGrad2(z: number, dy: number, dz: number, n: number, C: number, ya: number, yb: number, k1: number, k2: number, k3: number, mu: number, slope: number, part: number, acc: number): void;
}

/** The WebAssembly API (not in this project's TypeScript lib set, which has no DOM). */
export type WasmMemory = { buffer: ArrayBuffer };
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const instances = new WeakMap<WasmMemory, SimdKernels | null>();
let bytes: Uint8Array | undefined;

/** The kernels bound to a heap, or null when this runtime has no wasm SIMD or NNSEG_SIMD=0. */
export function simdFor(memory: WasmMemory | undefined): SimdKernels | null {
  if (!memory || process.env.NNSEG_SIMD === '0') return null;
  if (instances.has(memory)) return instances.get(memory)!;
  let k: SimdKernels | null = null;
  try {
    bytes ??= simdModule();
    if (WA.validate(bytes)) {
      k = new WA.Instance(new WA.Module(bytes), { env: { memory } }).exports as unknown as SimdKernels;
    }
  } catch {
    k = null;
  }
  instances.set(memory, k);
  return k;
}
