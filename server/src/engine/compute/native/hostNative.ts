/**
 * The engine's host kernels (compute/hostKernels.ts: channel concat/split, sum to channels, fused
 * softmax + Dice + CE) on the `cpu` backend, as OpenMP loops in the addon instead of JS loops. Same
 * names, inputs and outputs; non-float32 inputs or a native error go to the JS version.
 */
import { CONCAT_CHANNELS, DICE_CE, SPLIT_CHANNELS, SUM_TO_CHANNELS } from '../hostKernels';
import { callOriginal, type CpuBackend, f32, type KernelArgs, type KernelFunc, type NativeContext, type TensorInfo } from './context';
import { size } from './spec';

function copyChannels(ctx: NativeContext, vox: number, c: number, src: Float32Array, srcC: number, srcOff: number, dst: Float32Array, dstC: number, dstOff: number) {
  // [vox, c] block between channel-interleaved arrays; contiguous runs of c floats.
  ctx.addon.copy(Int32Array.of(2, vox, c, srcC, 1, dstC, 1, srcOff, dstOff), src, dst);
}

function concatChannels(ctx: NativeContext): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const av = f32(be, a), bv = f32(be, b);
    if (!av || !bv) return callOriginal(ctx, CONCAT_CHANNELS, args);
    const ca = a.shape[a.shape.length - 1], cb = b.shape[b.shape.length - 1], c = ca + cb;
    const vox = av.length / ca;
    const out = ctx.pool.alloc(vox * c);
    copyChannels(ctx, vox, ca, av, ca, 0, out, c, 0);
    copyChannels(ctx, vox, cb, bv, cb, 0, out, c, ca);
    return be.makeTensorInfo([...a.shape.slice(0, -1), c], 'float32', out);
  };
}

function splitChannels(ctx: NativeContext): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(be, x);
    if (!xv) return callOriginal(ctx, SPLIT_CHANNELS, args);
    const c = x.shape[x.shape.length - 1], ca = (args.attrs as { first: number }).first, cb = c - ca;
    const vox = xv.length / c;
    const a = ctx.pool.alloc(vox * ca), b = ctx.pool.alloc(vox * cb);
    copyChannels(ctx, vox, ca, xv, c, 0, a, ca, 0);
    copyChannels(ctx, vox, cb, xv, c, ca, b, cb, 0);
    const lead = x.shape.slice(0, -1);
    return [be.makeTensorInfo([...lead, ca], 'float32', a), be.makeTensorInfo([...lead, cb], 'float32', b)];
  };
}

function sumToChannels(ctx: NativeContext): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(be, x);
    if (!xv) return callOriginal(ctx, SUM_TO_CHANNELS, args);
    const c = x.shape[x.shape.length - 1];
    const out = new Float32Array(c);
    ctx.addon.reduce(Int32Array.of(0, 1, xv.length / c, c), xv, out);
    return be.makeTensorInfo([c], 'float32', out);
  };
}

function diceCE(ctx: NativeContext): KernelFunc {
  return (args: KernelArgs) => {
    const be = args.backend as CpuBackend;
    const { logits, target } = args.inputs as { logits: TensorInfo; target: TensorInfo };
    const lv = f32(be, logits);
    const tv = be.data.get(target.dataId)?.values;
    const labels = tv instanceof Int32Array || tv instanceof Float32Array ? tv : null;
    if (!lv || !labels) return callOriginal(ctx, DICE_CE, args);
    const a = args.attrs as unknown as { weightDice: number; weightCE: number; smooth: number; doBg: boolean; batchDice: boolean };
    const K = logits.shape[logits.shape.length - 1], N = logits.shape[0];
    const V = size(logits.shape.slice(1, -1));
    const loss = new Float32Array(1), grad = ctx.pool.alloc(lv.length);
    try {
      ctx.addon.diceCE(Int32Array.of(N, V, K, a.doBg ? 1 : 0, a.batchDice ? 1 : 0), lv, labels, loss, grad, a.weightDice, a.weightCE, a.smooth);
    } catch (err) {
      ctx.warn(`${DICE_CE}:${(err as Error).message}`, `${DICE_CE}: ${(err as Error).message}; using the JS kernel`);
      return callOriginal(ctx, DICE_CE, args);
    }
    return [be.makeTensorInfo([], 'float32', loss), be.makeTensorInfo([...logits.shape], 'float32', grad)];
  };
}

/** Kernel name -> replacement, for the engine's host kernels. */
export function hostNativeKernels(ctx: NativeContext): Record<string, KernelFunc> {
  return {
    [CONCAT_CHANNELS]: concatChannels(ctx),
    [SPLIT_CHANNELS]: splitChannels(ctx),
    [SUM_TO_CHANNELS]: sumToChannels(ctx),
    [DICE_CE]: diceCE(ctx),
  };
}
