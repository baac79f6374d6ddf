/** Worker-thread entry for resizeParallel: one slab of one separable pass per message. */
import { parentPort } from 'node:worker_threads';
import { passRange } from './resize';
import type { ResizeWorkMessage } from './resizeParallel';

parentPort?.on('message', (m: ResizeWorkMessage) => {
  passRange(new Float32Array(m.src), m.outer, m.n, m.inner, m.m, m.order, new Float32Array(m.dst), m.o0, m.o1, m.i0, m.i1);
  parentPort!.postMessage(true);
});
