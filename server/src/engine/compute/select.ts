/**
 * Picks the tfjs backend and compute path: tensorflow (tfjs-node-gpu, then tfjs-node, when installed)
 * > native (oneDNN kernels on the cpu backend, compute/native/, when built) > wasm (our kernels on
 * tfjs-backend-wasm) > cpu (plain tfjs). NNSEG_NATIVE=0 disables native; NNSEG_BACKEND (the
 * `nnseg.backend` setting, passed to job processes) is the default for `backend`. Calling it again with
 * other options switches the active backend.
 */
import * as tf from '@tensorflow/tfjs-core';
// Gradient definitions live in the union package's bundle (tfjs-core's node build has none).
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { NnsegError } from '../../util/errors';
import { registerHostKernels } from './hostKernels';
import type { ComputePath } from './kernelNames';
import type { NativePath } from './native';
import { computeLog } from './log';
import { registerWasmKernels } from './wasm';

export type Tf = typeof tf;
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** What the backend reports of the native path: the path's own description, plus whether it exists here. */
export type NativeState = Pick<NativePath, 'available' | 'reason' | 'version' | 'isa' | 'threads' | 'notBuilt'> & {
  /** compute/native is part of this build */
  present: boolean;
  disabled?: boolean;
};

export interface ComputeInfo {
  backend: string;
  path: ComputePath;
  tfjsVersion: string;
  backendVersion?: string;
  /** wasm only */
  simd?: boolean;
  /** wasm threads, or the native kernels' OpenMP threads */
  threads?: number;
  native: NativeState;
  /** tensorflow only: which package was loaded */
  tensorflowPackage?: string;
  notes: string[];
}

export interface Compute {
  tf: Tf;
  backend: string;
  path: ComputePath;
  info: ComputeInfo;
}

export interface SelectOptions {
  backend?: BackendChoice;
  path?: 'native' | 'wasm' | 'cpu';
  /** wasm threads (tfjs disables them under Node; kept for when that changes) */
  threads?: number;
  /** false: do not log the choice */
  log?: boolean;
}

// Types only: the module itself is required lazily, so a build without it still selects a backend.
interface NativeModule {
  loadNative(): NativePath;
}

/** The optional tensorflow packages, in order of preference; the real code path, guarded. */
function loadTensorflow(notes: string[]): { pkg: string; mod: Tf } | null {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      const mod = require(pkg) as Tf;
      if (mod.engine() !== tf.engine()) {
        notes.push(`${pkg} loaded its own copy of tfjs-core; not used`);
        continue;
      }
      return { pkg, mod };
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && (e as Error).message.includes(`'${pkg}'`);
      notes.push(`${pkg}: ${missing ? 'not installed' : 'installed but does not load'} (${(e as Error).message.split('\n')[0]})`);
    }
  }
  return null;
}

let nativeCache: { mod?: ReturnType<NativeModule['loadNative']>; state: NativeState } | undefined;

/** Loads compute/native when that folder exists; never throws. */
export function nativeState(): { mod?: ReturnType<NativeModule['loadNative']>; state: NativeState } {
  if (process.env.NNSEG_NATIVE === '0') return { state: { present: false, available: false, disabled: true, reason: 'disabled by NNSEG_NATIVE=0' } };
  if (nativeCache) return nativeCache;
  let mod: NativeModule;
  try {
    mod = require('./native') as NativeModule;
  } catch (e) {
    return (nativeCache = { state: { present: false, available: false, reason: `native path not built into this version (${(e as Error).message.split('\n')[0]})` } });
  }
  try {
    const n = mod.loadNative();
    return (nativeCache = { mod: n, state: { present: true, available: n.available, reason: n.reason, version: n.version, isa: n.isa, threads: n.threads, notBuilt: n.notBuilt } });
  } catch (e) {
    return (nativeCache = { state: { present: true, available: false, reason: (e as Error).message } });
  }
}

const registered = new Set<string>();
let warnedNative = false;

export async function selectCompute(opts: SelectOptions = {}): Promise<Compute> {
  // Production mode: no tfjs console banners ("install our node backend", which the cpu fallback
  // would print), and fewer debug checks; our own log says what runs.
  tf.env().set('PROD', true);
  const envBackend = process.env.NNSEG_BACKEND as BackendChoice | undefined;
  const want: BackendChoice = opts.backend ?? (envBackend && ['auto', 'tensorflow', 'wasm', 'cpu'].includes(envBackend) ? envBackend : 'auto');
  const notes: string[] = [];
  const native = nativeState();
  let path: ComputePath;
  let backendVersion: string | undefined;
  let tensorflowPackage: string | undefined;
  const info0: Partial<ComputeInfo> = {};

  const tfNode = want === 'tensorflow' || (want === 'auto' && !opts.path) ? loadTensorflow(notes) : null;
  if (want === 'tensorflow' && !tfNode) throw new NnsegError(`The tensorflow backend was requested but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed (${notes.join('; ')}).`);

  if (tfNode) {
    await tf.setBackend('tensorflow');
    path = 'tensorflow';
    tensorflowPackage = tfNode.pkg;
    backendVersion = (tfNode.mod as unknown as { version?: Record<string, string> }).version?.['tfjs-node'];
  } else if (opts.path === 'native' || ((want === 'auto' || want === 'cpu') && !opts.path && native.state.available)) {
    if (!native.state.available || !native.mod) throw new NnsegError(`The native compute path was requested but is not available: ${native.state.reason ?? 'unknown reason'}.`);
    await tf.setBackend('cpu');
    if (!registered.has('native')) {
      registerHostKernels('cpu');
      native.mod.registerKernels(tf);
      registered.add('native');
    }
    path = 'native';
    backendVersion = native.state.version;
    info0.threads = native.state.threads;
  } else if (opts.path === 'cpu' || want === 'cpu') {
    await tf.setBackend('cpu');
    registerHostKernels('cpu');
    path = 'cpu';
  } else {
    if (opts.threads) tfwasm.setThreadsCount(opts.threads);
    const ok = await tf.setBackend('wasm').catch((e: Error) => {
      notes.push(`wasm backend failed to start: ${e.message}`);
      return false;
    });
    if (ok) {
      if (!registered.has('wasm')) {
        registerWasmKernels();
        registered.add('wasm');
      }
      path = 'wasm';
      backendVersion = tfwasm.version_wasm;
    } else {
      if (want === 'wasm' || opts.path === 'wasm') throw new NnsegError(`The wasm backend could not start: ${notes.join('; ')}.`);
      await tf.setBackend('cpu');
      registerHostKernels('cpu');
      path = 'cpu';
    }
  }
  await tf.ready();
  const backend = tf.getBackend();
  const info: ComputeInfo = {
    backend, path, tfjsVersion: tf.version_core, backendVersion, native: native.state, tensorflowPackage, notes, ...info0,
  };
  if (backend === 'wasm') {
    info.simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
    info.threads = tfwasm.getThreadsCount();
    if (info.threads <= 1) notes.push('wasm threads off: tfjs disables them under Node');
  }
  if (opts.log !== false) {
    computeLog('info', describe(info));
    // Built but unusable (libdnnl.so missing or broken, another Node ABI, a failed self-test): say so
    // once as a warning, since the slower path is not what the user installed for.
    if (path !== 'native' && path !== 'tensorflow' && native.state.present && !native.state.available && !native.state.notBuilt && !warnedNative) {
      warnedNative = true;
      computeLog('warn', `the native oneDNN kernels are unavailable, using the ${path} path: ${native.state.reason ?? 'unknown reason'}`);
    }
  }
  return { tf, backend, path, info };
}

export function describe(i: ComputeInfo): string {
  const parts = [`compute: backend ${i.backend}`, `path ${i.path}`, `tfjs ${i.tfjsVersion}`];
  if (i.backendVersion) parts.push(`${i.path} ${i.backendVersion}`);
  if (i.simd !== undefined) parts.push(`SIMD ${i.simd ? 'on' : 'off'}`);
  if (i.threads !== undefined) parts.push(`threads ${i.threads}`);
  if (i.path !== 'native') parts.push(`native ${i.native.available ? 'available' : 'unavailable'}${i.native.reason ? ` (${i.native.reason})` : ''}`);
  return parts.join(', ');
}
