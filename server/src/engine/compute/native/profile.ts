/**
 * Per-kernel time profile of a tfjs backend: wraps every kernel registered on it with a timer. For
 * benchmarks and profiling runs only (it adds a performance.now() pair per kernel call).
 */
import type { Tf } from './context';

export interface KernelProfile {
  /** Kernel name -> { ms, calls }, sorted by time, since the last reset. */
  report(): { name: string; ms: number; calls: number }[];
  reset(): void;
  /** Puts the unwrapped kernels back. */
  stop(): void;
}

export function profileKernels(tf: Tf, backendName: string): KernelProfile {
  const stats = new Map<string, { ms: number; calls: number }>();
  const originals = tf.getKernelsForBackend(backendName).map((k) => ({ ...k }));
  let depth = 0;
  for (const k of originals) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        // Kernels that call other kernels directly are timed once, at the outermost level.
        if (depth > 0) return inner(args);
        depth++;
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          depth--;
          const s = stats.get(k.kernelName) ?? { ms: 0, calls: 0 };
          s.ms += performance.now() - t0;
          s.calls++;
          stats.set(k.kernelName, s);
        }
      },
    });
  }
  return {
    report: () => [...stats].map(([name, s]) => ({ name, ...s })).sort((a, b) => b.ms - a.ms),
    reset: () => stats.clear(),
    stop: () => {
      for (const k of originals) {
        tf.unregisterKernel(k.kernelName, backendName);
        tf.registerKernel(k);
      }
    },
  };
}
