/**
 * The native compute path: oneDNN kernels registered on tfjs's `cpu` backend (whose tensors are JS
 * typed arrays the addon reads and writes in place). `loadNative()` never throws; when the addon
 * cannot be used it says why in one sentence and the caller uses the wasm path.
 *
 * Threading: the tfjs kernels call the addon synchronously (tfjs kernels are synchronous), with
 * oneDNN and the norm loops spread over `threads` OpenMP threads. Training runs in the job runner's
 * child process, so those calls never block the language server's event loop. Callers outside tfjs
 * that must not block get `async`: the same ops on a libuv worker thread, returning promises.
 */
import * as os from 'node:os';
import { loadAddon, type NativeAddon } from './addon';
import type { CpuBackend, KernelFunc, NativeContext, Tf } from './context';
import { convKernels } from './convKernels';
import { eltKernels } from './eltKernels';
import { fusedKernels } from './fusedKernels';
import { hostNativeKernels } from './hostNative';
import { BufferPool } from './pool';

export type { NativeAddon } from './addon';

export interface NativeOptions {
  /** OpenMP threads for the native kernels (`nnseg.threads`); 0 or absent: NNSEG_THREADS, else all cores. */
  threads?: number;
  /** Where one-time warnings go (a shape oneDNN rejects falls back to the cpu kernel); default console.warn. */
  warn?: (message: string) => void;
  /** Also replace the elementwise, reduction, softmax and data-movement kernels (default true). */
  elementwise?: boolean;
  /** Most memory (MB) kept for reusing freed output buffers; 0 disables reuse. Default: 1/4 of RAM, at most 2048. */
  poolMB?: number;
}

export interface NativePath {
  available: boolean;
  /** Why the path is unavailable (one sentence), when it is. */
  reason?: string;
  /** oneDNN's run-time version, e.g. "2.6.3". */
  version?: string;
  /** The instruction set oneDNN dispatches to, e.g. "avx512_core". */
  isa?: string;
  threads?: number;
  /** The addon was never built (no libdnnl-dev or compiler at install): expected, not a fault. */
  notBuilt?: boolean;
  /** The addon file in use. */
  file?: string;
  /** Replaces the cpu backend's conv kernels and adds the custom kernels; idempotent per tf instance. */
  registerKernels(tf: Tf): void;
  setThreads(n: number): void;
  /** Bytes of freed output buffers held for reuse (0 before registerKernels). */
  idleBytes(): number;
  /** Drops the idle buffers (e.g. when a process switches from training to inference sizes). */
  releaseIdle(): void;
  /** The raw ops, synchronous and `...Async` (worker thread, promise); null when unavailable. */
  addon: NativeAddon | null;
}

let loaded: ReturnType<typeof loadAddon> | null = null;

/** A 3x3x3 conv on a 4^3 input against a direct sum: catches a library that loads but computes wrongly. */
function selfTest(addon: NativeAddon): string | null {
  const n = 4, ci = 2, co = 3;
  const x = Float32Array.from({ length: n * n * n * ci }, (_, i) => ((i * 7) % 11) / 11 - 0.5);
  const w = Float32Array.from({ length: 27 * ci * co }, (_, i) => ((i * 5) % 13) / 13 - 0.5);
  const y = new Float32Array(n * n * n * co);
  addon.convForward(Int32Array.from([3, 1, ci, co, n, n, n, 3, 3, 3, n, n, n, 1, 1, 1, 1, 1, 1, 1, 1, 1]), x, w, null, y);
  let worst = 0;
  for (let d = 0; d < n; d++) for (let h = 0; h < n; h++) for (let q = 0; q < n; q++) for (let o = 0; o < co; o++) {
    let s = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 3; c++) {
      const zd = d + a - 1, zh = h + b - 1, zw = q + c - 1;
      if (zd < 0 || zh < 0 || zw < 0 || zd >= n || zh >= n || zw >= n) continue;
      for (let i = 0; i < ci; i++) s += x[((zd * n + zh) * n + zw) * ci + i] * w[(((a * 3 + b) * 3 + c) * ci + i) * co + o];
    }
    worst = Math.max(worst, Math.abs(s - y[((d * n + h) * n + q) * co + o]));
  }
  return worst < 1e-4 ? null : `the oneDNN self-test convolution is off by ${worst.toExponential(2)}`;
}

const registered = new WeakSet<object>();

/** An explicit count, else NNSEG_THREADS (how a parent process passes nnseg.threads), else all cores. */
function threadsFrom(n: number | undefined): number {
  if (n && n > 0) return Math.floor(n);
  const env = Number(process.env.NNSEG_THREADS);
  return env > 0 ? Math.floor(env) : os.availableParallelism();
}

function poolBytes(mb: number | undefined): number {
  if (mb !== undefined) return Math.max(0, mb) * 2 ** 20;
  return Math.min(2048 * 2 ** 20, os.totalmem() / 4);
}

export function loadNative(options: NativeOptions = {}): NativePath {
  const unavailable = (reason: string): NativePath => ({
    available: false, reason, addon: null, idleBytes: () => 0, releaseIdle: () => {}, registerKernels: () => { throw new Error(`native kernels unavailable: ${reason}`); }, setThreads: () => {},
  });
  if (process.env.NNSEG_NATIVE === '0') return unavailable('the native path is disabled by NNSEG_NATIVE=0');
  loaded ??= loadAddon();
  const { addon, file } = loaded;
  if (!addon) return { ...unavailable(loaded.reason ?? 'the native addon could not be loaded'), notBuilt: loaded.missing };
  try {
    addon.setThreads(threadsFrom(options.threads));
    const bad = selfTest(addon);
    if (bad) return unavailable(bad);
  } catch (err) {
    return unavailable(`the oneDNN addon failed its self-test: ${(err as Error).message}`);
  }
  const warned = new Set<string>();
  const warn = options.warn ?? ((m: string) => console.warn(`nnseg: ${m}`));
  const info = addon.info();
  let pool: BufferPool | null = null;
  return {
    available: true,
    version: info.version,
    isa: info.isa,
    threads: info.threads,
    file,
    addon,
    idleBytes: () => pool?.idleBytes ?? 0,
    releaseIdle: () => pool?.clear(),
    setThreads: (n: number) => addon.setThreads(threadsFrom(n)),
    registerKernels(tf: Tf) {
      if (registered.has(tf)) return;
      require('@tensorflow/tfjs-backend-cpu');
      pool = new BufferPool(poolBytes(options.poolMB));
      const backend = tf.findBackend('cpu');
      if (backend && pool.maxBytes > 0) pool.install(backend as unknown as CpuBackend);
      const ctx: NativeContext = {
        tf, addon, original: new Map<string, KernelFunc>(), failed: new Set<string>(), pool,
        warn: (key, message) => {
          if (warned.has(key)) return;
          warned.add(key);
          warn(message);
        },
      };
      // tfjs's kernels and the engine's host kernels (compute/hostKernels.ts, registered before this).
      const standard = { ...convKernels(ctx), ...(options.elementwise === false ? {} : { ...eltKernels(ctx), ...hostNativeKernels(ctx) }) };
      const replace: Record<string, KernelFunc> = fusedKernels(ctx);
      for (const [name, kernelFunc] of Object.entries(standard)) {
        // Standard kernels are only replaced where the cpu backend has one to fall back to.
        const k = tf.getKernel(name, 'cpu');
        if (!k) continue;
        ctx.original.set(name, k.kernelFunc);
        replace[name] = kernelFunc;
      }
      for (const [name, kernelFunc] of Object.entries(replace)) {
        if (tf.getKernel(name, 'cpu')) tf.unregisterKernel(name, 'cpu');
        tf.registerKernel({ kernelName: name, backendName: 'cpu', kernelFunc });
      }
      registered.add(tf);
    },
  };
}
