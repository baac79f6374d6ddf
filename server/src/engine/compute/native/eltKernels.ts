/**
 * tfjs's elementwise, reduction, softmax and data-movement kernels on the `cpu` backend, replaced by
 * OpenMP loops in the addon for float32 tensors of at least `minSize` elements (the cpu backend runs
 * them as single-threaded JS loops, some with per-element index arithmetic: a 64^3 x 16 slice took
 * seconds). Anything else (other dtypes, small tensors, shapes these loops do not cover) goes to the
 * original kernel.
 */
import { callOriginal, type CpuBackend, f32, type KernelArgs, type KernelFunc, type NativeContext, type TensorInfo } from './context';
import { size } from './spec';

/** Below this many elements the JS kernels are as fast as a native call. */
const minSize = 4096;

const binaryOps: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6 };
const unaryOps: Record<string, number> = {
  Exp: 0, Log: 1, Neg: 2, Sqrt: 3, Square: 4, Abs: 5, Relu: 6, LeakyRelu: 7, Sigmoid: 8, Reciprocal: 9, Rsqrt: 10, Tanh: 11,
};
const reduceOps: Record<string, number> = { Sum: 0, Max: 1, Min: 2, Mean: 3 };

const rowMajor = (shape: number[]) => {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
};

/**
 * Drops size-1 axes and merges neighbours that every operand walks contiguously, so most iteration
 * spaces become one or two long axes.
 */
export function collapse(shape: number[], strides: number[][]): { shape: number[]; strides: number[][] } {
  const outS: number[] = [];
  const outSt: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outS.length - 1;
    if (last >= 0 && strides.every((st, k) => outSt[k][last] === st[d] * shape[d])) {
      outS[last] *= shape[d];
      strides.forEach((st, k) => (outSt[k][last] = st[d]));
    } else {
      outS.push(shape[d]);
      strides.forEach((st, k) => outSt[k].push(st[d]));
    }
  }
  if (outS.length === 0) return { shape: [1], strides: strides.map(() => [1]) };
  return { shape: outS, strides: outSt };
}

/** Strides of `shape` inside a broadcast to `out` (0 on broadcast axes), right-aligned. */
function broadcastStrides(shape: number[], out: number[]): number[] {
  const pad = out.length - shape.length;
  const full = [...new Array(pad).fill(1), ...shape];
  const st = rowMajor(full);
  return full.map((d, i) => (d === 1 && out[i] !== 1 ? 0 : st[i]));
}

function binary(ctx: NativeContext, name: string, op: number): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const av = f32(be, a), bv = f32(be, b);
    if (!av || !bv) return callOriginal(ctx, name, args);
    const outShape = ctx.tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = size(outShape);
    if (n < minSize) return callOriginal(ctx, name, args);
    const c = collapse(outShape, [broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape)]);
    if (c.shape.length > 16) return callOriginal(ctx, name, args);
    const out = ctx.pool.alloc(n);
    ctx.addon.binary(Int32Array.from([op, c.shape.length, ...c.shape, ...c.strides[0], ...c.strides[1]]), av, bv, out);
    return be.makeTensorInfo(outShape, 'float32', out);
  };
}

function unary(ctx: NativeContext, name: string, op: number): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(be, x);
    if (!xv || xv.length < minSize) return callOriginal(ctx, name, args);
    const out = ctx.pool.alloc(xv.length);
    const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0.2;
    ctx.addon.unary(Int32Array.of(op), xv, out, alpha);
    return be.makeTensorInfo([...x.shape], 'float32', out);
  };
}

function reduction(ctx: NativeContext, name: string, op: number): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    // Max names its axes reductionIndices; Sum, Mean and Min name them axis.
    const a = args.attrs as unknown as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
    const axis = name === 'Max' ? a.reductionIndices : a.axis;
    const keepDims = a.keepDims;
    const xv = f32(be, x);
    if (!xv || xv.length < minSize) return callOriginal(ctx, name, args);
    const axes = ctx.tf.util.parseAxisParam(axis ?? null as never, x.shape);
    const reduced = new Set(axes);
    // Size-1 axes do not matter; the rest must be one block of reduced axes between kept ones.
    const dims = x.shape.map((d, i) => ({ d, r: reduced.has(i) })).filter((e) => e.d !== 1);
    const first = dims.findIndex((e) => e.r);
    let last = -1;
    dims.forEach((e, i) => { if (e.r) last = i; });
    if (first < 0 || dims.slice(first, last + 1).some((e) => !e.r)) return callOriginal(ctx, name, args);
    const prod = (es: { d: number }[]) => es.reduce((p, e) => p * e.d, 1);
    const O = prod(dims.slice(0, first)), R = prod(dims.slice(first, last + 1)), I = prod(dims.slice(last + 1));
    const outShape = x.shape.map((d, i) => (reduced.has(i) ? 1 : d)).filter((_, i) => keepDims || !reduced.has(i));
    const out = ctx.pool.alloc(O * I);
    ctx.addon.reduce(Int32Array.of(op, O, R, I), xv, out);
    return be.makeTensorInfo(outShape, 'float32', out);
  };
}

function softmax(ctx: NativeContext): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { logits } = args.inputs as { logits: TensorInfo };
    const dim = (args.attrs as { dim?: number } | undefined)?.dim ?? -1;
    const xv = f32(be, logits);
    const rank = logits.shape.length;
    if (!xv || xv.length < minSize || (dim !== -1 && dim !== rank - 1)) return callOriginal(ctx, 'Softmax', args);
    const C = logits.shape[rank - 1];
    const out = ctx.pool.alloc(xv.length);
    ctx.addon.softmax(Int32Array.of(xv.length / C, C), xv, out);
    return be.makeTensorInfo([...logits.shape], 'float32', out);
  };
}

/** Copies the box `shape` from `src` (strides `is`, offset) into `dst` (strides `os`, offset). */
function copyBox(ctx: NativeContext, shape: number[], is: number[], os: number[], inOff: number, outOff: number, src: Float32Array, dst: Float32Array) {
  const c = collapse(shape, [is, os]);
  ctx.addon.copy(Int32Array.from([c.shape.length, ...c.shape, ...c.strides[0], ...c.strides[1], inOff, outOff]), src, dst);
}

function concat(ctx: NativeContext): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const inputs = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as TensorInfo[];
    const vals = inputs.map((t) => f32(be, t));
    if (inputs.length === 0 || vals.some((v) => !v || v.length === 0)) return callOriginal(ctx, 'Concat', args);
    const axis = ctx.tf.util.parseAxisParam((args.attrs as { axis: number }).axis, inputs[0].shape)[0];
    const outShape = ctx.tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
    const n = size(outShape);
    if (n < minSize) return callOriginal(ctx, 'Concat', args);
    const outer = size(outShape.slice(0, axis)), outInner = size(outShape.slice(axis));
    const out = ctx.pool.alloc(n);
    let col = 0;
    inputs.forEach((t, i) => {
      const inner = size(t.shape.slice(axis));
      copyBox(ctx, [outer, inner], [inner, 1], [outInner, 1], 0, col, vals[i]!, out);
      col += inner;
    });
    return be.makeTensorInfo(outShape, 'float32', out);
  };
}

function sliceValues(ctx: NativeContext, x: TensorInfo, xv: Float32Array, begin: number[], sz: number[]): Float32Array {
  const st = rowMajor(x.shape);
  const out = ctx.pool.alloc(size(sz));
  if (out.length > 0) copyBox(ctx, sz, st, rowMajor(sz), begin.reduce((a, b, i) => a + b * st[i], 0), 0, xv, out);
  return out;
}

function slice(ctx: NativeContext): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(be, x);
    const { begin, size: sz } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    if (!xv) return callOriginal(ctx, 'Slice', args);
    const [b, s] = ctx.tf.slice_util.parseSliceParams(x as never, begin, sz);
    // A contiguous slice is a view in the cpu backend: nothing to speed up.
    if (size(s) < minSize || ctx.tf.slice_util.isSliceContinous(x.shape, b, s)) return callOriginal(ctx, 'Slice', args);
    ctx.tf.slice_util.assertParamsValid(x as never, b, s);
    return be.makeTensorInfo(s, 'float32', sliceValues(ctx, x, xv, b, s));
  };
}

function splitV(ctx: NativeContext): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(be, x);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    if (!xv || xv.length < minSize) return callOriginal(ctx, 'SplitV', args);
    const ax = ctx.tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = ctx.tf.backend_util.prepareSplitSize(x as never, numOrSizeSplits, ax);
    const begin = new Array(x.shape.length).fill(0);
    return sizes.map((s) => {
      const sz = [...x.shape];
      sz[ax] = s;
      const t = be.makeTensorInfo(sz, 'float32', sliceValues(ctx, x, xv, begin, sz));
      begin[ax] += s;
      return t;
    });
  };
}

function transpose(ctx: NativeContext): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const { perm } = args.attrs as unknown as { perm: number[] };
    const xv = f32(be, x);
    if (!xv || xv.length < minSize) return callOriginal(ctx, 'Transpose', args);
    const st = rowMajor(x.shape);
    const outShape = perm.map((p) => x.shape[p]);
    const out = ctx.pool.alloc(xv.length);
    copyBox(ctx, outShape, perm.map((p) => st[p]), rowMajor(outShape), 0, 0, xv, out);
    return be.makeTensorInfo(outShape, 'float32', out);
  };
}

function padV2(ctx: NativeContext): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const { paddings, constantValue } = args.attrs as unknown as { paddings: [number, number][]; constantValue: number };
    const xv = f32(be, x);
    if (!xv || xv.length < minSize || paddings.some(([a, b]) => a < 0 || b < 0)) return callOriginal(ctx, 'PadV2', args);
    const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    const ost = rowMajor(outShape);
    const out = ctx.pool.alloc(size(outShape));
    out.fill(constantValue ?? 0);
    copyBox(ctx, x.shape, rowMajor(x.shape), ost, 0, paddings.reduce((a, p, i) => a + p[0] * ost[i], 0), xv, out);
    return be.makeTensorInfo(outShape, 'float32', out);
  };
}

function addN(ctx: NativeContext): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const inputs = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as TensorInfo[];
    const vals = inputs.map((t) => f32(be, t));
    const n = vals[0]?.length ?? 0;
    if (n < minSize || vals.some((v) => !v || v.length !== n)) return callOriginal(ctx, 'AddN', args);
    const out = ctx.pool.alloc(n);
    ctx.addon.addN(Int32Array.of(n), out, ...(vals as Float32Array[]));
    return be.makeTensorInfo([...inputs[0].shape], 'float32', out);
  };
}

/** ZerosLike / OnesLike / Fill into a reused buffer (a fresh one costs a page fault per 4 KB). */
function filled(ctx: NativeContext, name: string, value: (args: KernelArgs) => number, shapeOf: (args: KernelArgs) => number[] | null): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const shape = shapeOf(args);
    if (!shape || size(shape) < minSize) return callOriginal(ctx, name, args);
    const out = ctx.pool.alloc(size(shape));
    out.fill(value(args));
    return be.makeTensorInfo(shape, 'float32', out);
  };
}

const likeFloat = (args: KernelArgs) => {
  const { x } = args.inputs as { x: TensorInfo };
  return x.dtype === 'float32' ? [...x.shape] : null;
};

/** Kernel name -> replacement, for the elementwise and data-movement kernels. */
export function eltKernels(ctx: NativeContext): Record<string, KernelFunc> {
  const out: Record<string, KernelFunc> = {};
  for (const [name, op] of Object.entries(binaryOps)) out[name] = binary(ctx, name, op);
  for (const [name, op] of Object.entries(unaryOps)) out[name] = unary(ctx, name, op);
  for (const [name, op] of Object.entries(reduceOps)) out[name] = reduction(ctx, name, op);
  Object.assign(out, {
    Softmax: softmax(ctx), Concat: concat(ctx), Slice: slice(ctx), SplitV: splitV(ctx), Transpose: transpose(ctx),
    PadV2: padV2(ctx), AddN: addN(ctx),
    ZerosLike: filled(ctx, 'ZerosLike', () => 0, likeFloat),
    OnesLike: filled(ctx, 'OnesLike', () => 1, likeFloat),
    Fill: filled(ctx, 'Fill', (a) => (a.attrs as { value: number }).value, (a) => {
      const { shape, dtype, value } = a.attrs as unknown as { shape: number[]; dtype?: string; value: unknown };
      return (dtype ?? (typeof value === 'number' ? 'float32' : 'other')) === 'float32' ? [...shape] : null;
    }),
  });
  return out;
}
