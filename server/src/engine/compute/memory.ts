import { NnsegError } from '../../util/errors';

/**
 * The wasm heap (wasm32: at most 4 GB) could not satisfy an allocation. Thrown by the kernels with
 * what they needed; the network's forward/train step rethrows it with the patch and batch size.
 */
export class WasmHeapError extends NnsegError {
  constructor(readonly requestedBytes: number, readonly heapBytes: number, context?: string) {
    super(
      `${context ? context + ': ' : ''}the wasm heap ran out of memory (asked for ${mb(requestedBytes)} with ${mb(heapBytes)} in use, limit 4096 MB).`,
      undefined,
      'EWASMHEAP',
    );
  }
}

export function mb(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MB`;
}

/** A smaller setting to suggest: halve the batch first, then shrink the patch by a pooling-friendly step. */
export function suggestSmaller(patch: number[], batch: number, divisor = 16): { patch: number[]; batch: number } {
  if (batch > 1) return { patch, batch: Math.max(1, Math.floor(batch / 2)) };
  const largest = Math.max(...patch);
  return {
    batch,
    patch: patch.map((p) => (p === largest ? Math.max(divisor, Math.floor((p * 0.75) / divisor) * divisor) : p)),
  };
}

/** Rethrows a heap error with the patch and batch size named and a smaller setting suggested. */
export function explainHeapError(err: unknown, what: string, patch: number[], batch: number): never {
  if (err instanceof WasmHeapError) {
    const s = suggestSmaller(patch, batch);
    throw new NnsegError(
      `${what} at patch ${patch.join('x')} and batch ${batch} needs more than the 4 GB wasm heap (asked for ${mb(err.requestedBytes)} with ${mb(err.heapBytes)} in use); try patch ${s.patch.join('x')} with batch ${s.batch}, or the native compute path.`,
      undefined,
      'EWASMHEAP',
    );
  }
  throw err;
}
