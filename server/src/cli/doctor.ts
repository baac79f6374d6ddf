import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { UsageError } from '../util/errors';
import { flag, printJson, str, type CliCommand } from './command';

interface Piece {
  name: string;
  installed: boolean;
  detail: string;
}

function resolvable(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[]): string | null {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10000 });
    return r.status === 0 ? r.stdout.trim() : null;
  } catch {
    return null;
  }
}

/** GPU/CUDA visibility, reported when tfjs-node-gpu is installed (its only user). */
function gpuReport(): { nvidiaSmi: string | null; cudaVisibleDevices: string | null; libcudart: boolean } {
  const ld = run('ldconfig', ['-p']);
  return {
    nvidiaSmi: run('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader']),
    cudaVisibleDevices: process.env.CUDA_VISIBLE_DEVICES ?? null,
    libcudart: ld ? /libcudart\.so/.test(ld) : false,
  };
}

/** Installed means it loads: npm keeps an optional package whose install script failed, without its binding. */
function tensorflowPiece(pkg: string, detail: string): Piece {
  if (!resolvable(pkg)) return { name: pkg, installed: false, detail };
  try {
    require(pkg);
    return { name: pkg, installed: true, detail };
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    return { name: pkg, installed: false, detail: `present but does not load (${why}); reinstall it where its install script can download libtensorflow` };
  }
}

function pieces(nativeAvailable: boolean, nativeReason?: string): Piece[] {
  const torch = fs.existsSync('/usr/bin/python3') ? run('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)']) : null;
  return [
    tensorflowPiece('@tensorflow/tfjs-node-gpu', 'TensorFlow C library with CUDA (optional dependency; its install downloads libtensorflow)'),
    tensorflowPiece('@tensorflow/tfjs-node', 'TensorFlow C library, CPU'),
    { name: 'native oneDNN kernels', installed: nativeAvailable, detail: nativeAvailable ? 'compute/native' : `not available: ${nativeReason ?? 'not built'}` },
    { name: 'python3-torch (benchmarks only)', installed: torch !== null, detail: torch ? `PyTorch ${torch} at /usr/bin/python3` : 'apt-get install python3-torch to get the PyTorch column of npm run bench -- engine' },
  ];
}

/** A small conv + norm + act step on the chosen path against plain tf ops: proves the kernels work. */
async function selfTest(): Promise<{ ok: boolean; maxRelErr: number; ms: number }> {
  const tf = require('@tensorflow/tfjs-core') as typeof import('@tensorflow/tfjs-core');
  const ops = require('../engine/compute/ops') as typeof import('../engine/compute/ops');
  const t0 = performance.now();
  const args = [tf.randomNormal([2, 6, 7, 5, 3], 0, 1, 'float32', 1), tf.randomNormal([3, 3, 3, 3, 4], 0, 0.3, 'float32', 2), tf.zeros([4]), tf.ones([4]), tf.zeros([4])];
  const opts = { strides: [2, 2, 2], pads: [1, 1, 1] };
  const run1 = () => tf.tidy(() => tf.grads((x, f, b, g, be) => tf.sum(tf.square(ops.convNormAct(x, f, b, g, be, opts))))(args).map((t) => t.dataSync()));
  const fused = run1();
  ops.forceComposite(true);
  let plain: ReturnType<typeof run1>;
  try {
    plain = run1();
  } finally {
    ops.forceComposite(false);
  }
  let err = 0;
  for (const i of [0, 1, 3, 4]) {
    let m = 0, s = 0;
    fused[i].forEach((v, k) => { m = Math.max(m, Math.abs(v - plain[i][k])); s = Math.max(s, Math.abs(plain[i][k])); });
    err = Math.max(err, s ? m / s : m);
  }
  tf.dispose(args);
  return { ok: err < 1e-3, maxRelErr: err, ms: Math.round(performance.now() - t0) };
}

const command: CliCommand = {
  name: 'doctor',
  summary: 'Report the compute backend, native kernels, memory and optional pieces',
  usage: 'nnseg doctor [--backend auto|tensorflow|wasm|cpu] [--path native|wasm|cpu] [--no-self-test] [--json]',
  options: {
    backend: { type: 'string' },
    path: { type: 'string' },
    'no-self-test': { type: 'boolean', default: false },
  },
  async run(args, io) {
    const backend = str(args, 'backend');
    const path = str(args, 'path');
    if (backend && !['auto', 'tensorflow', 'wasm', 'cpu'].includes(backend)) throw new UsageError(`--backend must be auto, tensorflow, wasm or cpu, not '${backend}'.`);
    if (path && !['native', 'wasm', 'cpu'].includes(path)) throw new UsageError(`--path must be native, wasm or cpu, not '${path}'.`);
    const { selectCompute, describe } = require('../engine/compute/select') as typeof import('../engine/compute/select');
    const { setComputeLog } = require('../engine/compute/log') as typeof import('../engine/compute/log');
    const warnings: string[] = [];
    setComputeLog((level, m) => { if (level === 'warn') warnings.push(m); });
    const compute = await selectCompute({ backend: backend as never, path: path as never, log: false });
    const i = compute.info;
    const test = flag(args, 'no-self-test') ? null : await selfTest();
    const wasmHeap = (compute.tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.length;
    const report = {
      backend: i.backend,
      path: i.path,
      versions: { tfjs: i.tfjsVersion, backend: i.backendVersion ?? null, node: process.versions.node, tensorflowPackage: i.tensorflowPackage ?? null },
      wasm: i.backend === 'wasm' ? { simd: i.simd, threads: i.threads, heapLimitMB: 4096, heapNowMB: wasmHeap ? Math.round(wasmHeap / 2 ** 20) : null } : null,
      native: { ...i.native, active: i.path === 'native' },
      gpu: resolvable('@tensorflow/tfjs-node-gpu') ? gpuReport() : null,
      memory: { totalMB: Math.round(os.totalmem() / 2 ** 20), freeMB: Math.round(os.freemem() / 2 ** 20), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null },
      optional: pieces(i.native.available, i.native.reason),
      selfTest: test,
      notes: [...i.notes, ...warnings],
    };
    if (flag(args, 'json')) {
      printJson(io, report);
    } else {
      const lines = [
        describe(i),
        i.path === 'native' && i.threads ? `native kernels: ${i.threads} OpenMP threads (nnseg.threads; 0 = all cores)` : null,
        report.wasm ? `wasm: SIMD ${report.wasm.simd ? 'on' : 'off'}, threads ${report.wasm.threads}, heap limit 4096 MB (wasm32)` : null,
        `native oneDNN path: ${i.native.available ? `available${i.native.version ? ` (oneDNN ${i.native.version}${i.native.isa ? `, ${i.native.isa}` : ''})` : ''}` : `unavailable: ${i.native.reason ?? 'unknown'}`}`,
        report.gpu ? `GPU (tfjs-node-gpu present): ${report.gpu.nvidiaSmi ?? 'nvidia-smi not found'}; CUDA runtime ${report.gpu.libcudart ? 'found' : 'not found'}; CUDA_VISIBLE_DEVICES=${report.gpu.cudaVisibleDevices ?? '(unset)'}` : 'GPU: tfjs-node-gpu not installed (CPU only)',
        `memory: ${report.memory.freeMB} MB free of ${report.memory.totalMB} MB, ${report.memory.cpus} CPUs (${report.memory.cpuModel})`,
        'optional pieces:',
        ...report.optional.map((p) => `  ${p.installed ? '[x]' : '[ ]'} ${p.name}: ${p.detail}`),
        test ? `self-test (fused conv-norm-act gradients vs plain tf ops): ${test.ok ? 'ok' : 'FAILED'}, max rel err ${test.maxRelErr.toExponential(1)}, ${test.ms} ms` : null,
        ...report.notes.map((n) => `note: ${n}`),
      ].filter((l) => l !== null);
      io.out(lines.join('\n') + '\n');
    }
    return test && !test.ok ? 1 : 0;
  },
};
export default command;
