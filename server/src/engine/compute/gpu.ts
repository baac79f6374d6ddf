/**
 * Whether training here would run on a CUDA GPU: the planner's 'auto' target asks this to size the
 * network for a GPU (nnU-Net's 8 GB planner) or for the CPU. A GPU counts only when tfjs-node-gpu
 * loads (its binding, libtensorflow and CUDA libraries) and the driver lists a device that
 * CUDA_VISIBLE_DEVICES leaves visible.
 */
import { spawnSync } from 'node:child_process';

export interface GpuVisibility {
  visible: boolean;
  /** One sentence: what was found, or why not. */
  reason: string;
  devices: string[];
}

/** Device lines of `nvidia-smi -L` that CUDA_VISIBLE_DEVICES keeps (indices or GPU-UUIDs). */
export function visibleCudaDevices(env: NodeJS.ProcessEnv = process.env, listing?: string | null): string[] {
  const out = listing !== undefined ? listing : nvidiaSmiList();
  if (!out) return [];
  const all = out.split('\n').map((l) => l.trim()).filter((l) => /^GPU \d+:/.test(l));
  const mask = env.CUDA_VISIBLE_DEVICES;
  if (mask === undefined) return all;
  const keep = mask.split(',').map((s) => s.trim()).filter(Boolean);
  // CUDA stops at the first invalid entry ("-1" hides everything).
  const picked: string[] = [];
  for (const k of keep) {
    const hit = /^\d+$/.test(k) ? all.find((l) => l.startsWith(`GPU ${k}:`)) : all.find((l) => l.includes(k));
    if (!hit) break;
    picked.push(hit);
  }
  return picked;
}

function nvidiaSmiList(): string | null {
  try {
    const r = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10000 });
    return r.status === 0 ? r.stdout : null;
  } catch {
    return null;
  }
}

/** `backend`: the compute backend the experiment would use (a config's, else the nnseg.backend setting). */
export function gpuVisibility(backend: string | undefined, env: NodeJS.ProcessEnv = process.env): GpuVisibility {
  if (backend && backend !== 'auto' && backend !== 'tensorflow') return { visible: false, reason: `the backend is '${backend}'`, devices: [] };
  try {
    require('@tensorflow/tfjs-node-gpu');
  } catch (e) {
    return { visible: false, reason: `@tensorflow/tfjs-node-gpu does not load (${(e as Error).message.split('\n')[0]})`, devices: [] };
  }
  const devices = visibleCudaDevices(env);
  if (!devices.length) return { visible: false, reason: 'tfjs-node-gpu loads but nvidia-smi lists no visible CUDA device', devices };
  return { visible: true, reason: `tfjs-node-gpu with ${devices.join('; ')}`, devices };
}
