/**
 * resize() split across worker threads: every separable pass is cut into slabs (along an axis other than the
 * one being resampled) over shared memory, with a barrier between passes. The same arithmetic as resize(), so
 * the same result; worth it for single large volumes (case-level parallelism covers datasets).
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { clipTo, minMax, passPlan, resize, type Order } from './resize';

export interface ResizeWorkMessage {
  src: SharedArrayBuffer;
  dst: SharedArrayBuffer;
  outer: number;
  n: number;
  inner: number;
  m: number;
  order: Order;
  o0: number;
  o1: number;
  i0: number;
  i1: number;
}

function product(v: number[]): number {
  return v.reduce((a, b) => a * b, 1);
}

export async function resizeParallel(
  data: Float32Array,
  shape: number[],
  outShape: number[],
  order: Order,
  opts: { workers: number; clip?: boolean },
): Promise<Float32Array> {
  const plan = passPlan(shape, outShape);
  if (opts.workers <= 1 || plan.length === 0) return resize(data, shape, outShape, order, { clip: opts.clip }) as Float32Array;
  const workers = Array.from({ length: opts.workers }, () => new Worker(path.join(__dirname, 'resizeWorker.js')));
  try {
    let src = new SharedArrayBuffer(data.byteLength);
    new Float32Array(src).set(data);
    for (const { axis, before } of plan) {
      const outer = product(before.slice(0, axis));
      const inner = product(before.slice(axis + 1));
      const n = before[axis];
      const m = outShape[axis];
      const dst = new SharedArrayBuffer(outer * m * inner * 4);
      const k = workers.length;
      const jobs = workers.map((w, j) => {
        const split = outer >= k;
        const total = split ? outer : inner;
        const a = Math.floor((total * j) / k);
        const b = Math.floor((total * (j + 1)) / k);
        const msg: ResizeWorkMessage = split
          ? { src, dst, outer, n, inner, m, order, o0: a, o1: b, i0: 0, i1: inner }
          : { src, dst, outer, n, inner, m, order, o0: 0, o1: outer, i0: a, i1: b };
        return new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
          w.postMessage(msg);
        });
      });
      await Promise.all(jobs);
      for (const w of workers) w.removeAllListeners('error');
      src = dst;
    }
    const out = new Float32Array(src);
    if ((opts.clip ?? true) && order > 1) {
      const [lo, hi] = minMax(data);
      clipTo(out, lo, hi);
    }
    return out;
  } finally {
    for (const w of workers) void w.terminate();
  }
}
