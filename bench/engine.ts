/**
 * `npm run bench -- engine [--path wasm|cpu|native] [--json] [--runs N] [--no-torch] [--no-profile]`
 *
 * The reference training step (U-Net 16/32/64/128, batch 2, 64^3, deep supervision, 1.5 Dice + 0.5 CE,
 * SGD momentum 0.99 Nesterov, grad clip 12) and a 128^3 forward pass, on nnSeg's engine and, side by
 * side in the same run, on PyTorch's CPU build (bench/torch_unet.py with /usr/bin/python3, Debian
 * python3-torch; used only here, skipped with a message when missing). Medians after warm-up.
 * With --json prints one JSON object: {trainStep: {tfjsMs, torchMs, ratio, gflops, peakMB, torchPeakMB, peakRatio},
 * inference128: {tfjsMs, torchMs, ratio}, backend, path, load, profile}.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectCompute } from '../server/src/engine/compute/select';
import { setComputeLog } from '../server/src/engine/compute/log';
import { profileSnapshot, resetProfile, setProfiling } from '../server/src/engine/compute/profile';
import { UNet, SGD, trainStep, type UNetConfig } from '../server/src/engine/network';

const { values: a } = parseArgs({
  options: {
    path: { type: 'string' },
    json: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    patch: { type: 'string', default: '64' },
    infer: { type: 'string', default: '128' },
    classes: { type: 'string', default: '3' },
    'no-torch': { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
  },
});
const runs = Number(a.runs), warmup = Number(a.warmup), P = Number(a.patch), I = Number(a.infer), K = Number(a.classes);
const say = (m: string) => { if (!a.json) process.stderr.write(m + '\n'); };
const median = (v: number[]) => { const s = [...v].sort((x, y) => x - y); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
const load = () => os.loadavg().map((v) => +v.toFixed(2));

function torchColumn(): { train: number[]; infer: number[]; peakMB: number | null; note: string } | null {
  const py = '/usr/bin/python3';
  const script = path.join(__dirname, '..', '..', 'bench', 'torch_unet.py');
  if (!fs.existsSync(py) || !fs.existsSync(script)) return null;
  const r = spawnSync(py, [script, '--runs', String(runs + 2), '--warmup', String(warmup + 1), '--patch', String(P), '--infer', String(I), '--classes', String(K)], { encoding: 'utf8', timeout: 1_800_000 });
  if (r.status !== 0) {
    say(`PyTorch column skipped: ${(r.stderr || '').trim().split('\n').pop() ?? 'failed'} (install Debian python3-torch for it)`);
    return null;
  }
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { train: j.trainStepMs, infer: j.inference128Ms, peakMB: typeof j.trainPeakMB === 'number' ? j.trainPeakMB : null, note: `PyTorch ${j.torch}, ${j.threads} threads` };
}

async function main(): Promise<void> {
  setComputeLog((level, m) => say(`[${level}] ${m}`));
  const compute = await selectCompute({ path: a.path as 'wasm' | 'cpu' | 'native' | undefined, backend: a.path ? undefined : 'auto' });
  const load0 = load();
  const cfg: UNetConfig = {
    inputChannels: 1, numClasses: K, featuresPerStage: [16, 32, 64, 128], kernelSizes: Array(4).fill([3, 3, 3]),
    strides: [[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2]], nConvPerStage: [2, 2, 2, 2], nConvPerStageDecoder: [2, 2, 2], deepSupervision: true,
  };
  const net = new UNet(cfg, 0);
  const opt = new SGD({ lr: 1e-2, momentum: 0.99, weightDecay: 3e-5 });
  const N = 2;
  const x = tf.randomNormal([N, P, P, P, 1], 0, 1, 'float32', 1);
  const seg = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([N, P, P, P], 0, K, 'float32', 2)), 'int32'));
  const targets = [0, 1, 2].map((i) => (i === 0 ? seg : tf.tidy(() => tf.stridedSlice(seg, [0, 0, 0, 0], [N, P, P, P], [1, 2 ** i, 2 ** i, 2 ** i]))));
  const step = () => trainStep(net, opt, x, targets, { loss: { weightDice: 1.5, weightCE: 0.5 }, clip: 12 });
  const trainMs: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now();
    const r = step();
    const ms = performance.now() - t0;
    if (i >= warmup) trainMs.push(ms);
    say(`train step ${i + 1}/${warmup + runs}: ${(ms / 1000).toFixed(2)} s, loss ${r.loss.toFixed(4)}${i < warmup ? ' (warm-up)' : ''}`);
  }
  // One more step under tf.profile (time per tfjs kernel, ours and stock) and our phase timers
  // (inside the kernels: XNNPACK calls, JS transposes, sums).
  let profile: { phase: string; ms: number; calls: number; share: number }[] = [];
  let phases: { phase: string; ms: number; calls: number }[] = [];
  let profiledMs = 0;
  if (!a['no-profile']) {
    // phases first, on a clean step (tf.profile itself slows kernels down), then the kernel list
    resetProfile();
    setProfiling(true);
    const t0 = performance.now();
    step();
    profiledMs = performance.now() - t0;
    setProfiling(false);
    phases = profileSnapshot();
    const info = await tf.profile(() => { step(); });
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      if (k.name === 'forward') continue; // customGrad's wrapper: its kernels are listed themselves
      const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += Number(await k.kernelTimeMs) || 0;
      e.calls++;
      byKernel.set(k.name, e);
    }
    const total = [...byKernel.values()].reduce((x, e) => x + e.ms, 0);
    profile = [...byKernel.entries()].map(([phase, v]) => ({ phase, ms: v.ms, calls: v.calls, share: v.ms / total })).sort((p, q) => q.ms - p.ms);
  }
  const backendObj = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  const peakMB = backendObj.wasm ? backendObj.wasm.HEAPU8.length / 2 ** 20 : process.resourceUsage().maxRSS / 1024;
  const flops = 3 * N * net.convFlops([P, P, P]);
  tf.dispose([x, ...targets]);
  opt.dispose();

  const inferMs: number[] = [];
  if (I > 0) {
    const xi = tf.randomNormal([1, I, I, I, 1], 0, 1, 'float32', 3);
    for (let i = 0; i < 1 + Math.max(2, runs - 1); i++) {
      const t0 = performance.now();
      const y = net.predict(xi);
      y.dataSync();
      y.dispose();
      const ms = performance.now() - t0;
      if (i >= 1) inferMs.push(ms);
      say(`inference ${I}^3 ${i + 1}: ${(ms / 1000).toFixed(2)} s${i < 1 ? ' (warm-up)' : ''}`);
    }
    xi.dispose();
  }
  net.dispose();
  const load1 = load();

  let torch: ReturnType<typeof torchColumn> = null;
  if (a['no-torch']) say('PyTorch column skipped (--no-torch)');
  else {
    say('running the PyTorch column (bench/torch_unet.py) ...');
    torch = torchColumn();
    if (!torch) say('PyTorch column skipped: /usr/bin/python3 with torch not found (Debian python3-torch)');
  }
  const tfjsTrain = median(trainMs), tfjsInfer = median(inferMs);
  const torchTrain = torch ? median(torch.train) : null, torchInfer = torch ? median(torch.infer) : null;
  const round = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v));
  const result = {
    trainStep: {
      tfjsMs: round(tfjsTrain), torchMs: round(torchTrain), ratio: torchTrain ? +(tfjsTrain / torchTrain).toFixed(2) : null,
      gflops: +(flops / tfjsTrain / 1e6).toFixed(1), peakMB: Math.round(peakMB),
      // Both peak resident set sizes of training (the wasm path reports its heap instead).
      torchPeakMB: torch?.peakMB != null ? Math.round(torch.peakMB) : null,
      peakRatio: torch?.peakMB && !backendObj.wasm ? +(peakMB / torch.peakMB).toFixed(2) : null,
    },
    inference128: { tfjsMs: round(tfjsInfer), torchMs: round(torchInfer), ratio: torchInfer && inferMs.length ? +(tfjsInfer / torchInfer).toFixed(2) : null },
    backend: compute.backend,
    path: compute.path,
    load: { before: load0, after: load1, after_torch: load() },
    profile: profile.slice(0, 16).map((p) => ({ kernel: p.phase, ms: Math.round(p.ms), calls: p.calls, share: +p.share.toFixed(3) })),
    phases: phases.slice(0, 16).map((p) => ({ phase: p.phase, ms: Math.round(p.ms), calls: p.calls, share: profiledMs ? +(p.ms / profiledMs).toFixed(3) : null })),
  };
  if (a.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const r = result;
  console.log(`\nengine benchmark: backend ${r.backend}, path ${r.path}; load ${load0.join(' ')} -> ${load1.join(' ')}${torch ? `; ${torch.note}` : ''}`);
  console.log(`training step (batch 2, ${P}^3, ${(flops / 1e9).toFixed(1)} GFLOP conv): nnSeg ${(tfjsTrain / 1000).toFixed(2)} s (${r.trainStep.gflops} GFLOP/s, ${backendObj.wasm ? 'wasm heap' : 'peak RSS'} ${r.trainStep.peakMB} MB)` +
    (torchTrain ? `, PyTorch ${(torchTrain / 1000).toFixed(2)} s, ratio ${r.trainStep.ratio}x` : '') +
    (r.trainStep.torchPeakMB !== null ? `; PyTorch peak RSS ${r.trainStep.torchPeakMB} MB${r.trainStep.peakRatio !== null ? ` (nnSeg/PyTorch ${r.trainStep.peakRatio})` : ''}` : ''));
  if (inferMs.length) console.log(`inference ${I}^3: nnSeg ${(tfjsInfer / 1000).toFixed(2)} s` + (torchInfer ? `, PyTorch ${(torchInfer / 1000).toFixed(2)} s, ratio ${r.inference128.ratio}x` : ''));
  if (profile.length) {
    console.log('\nper-kernel profile of one step (tf.profile; shares of the kernel total):');
    for (const p of r.profile) console.log(`  ${p.kernel.padEnd(34)} ${String(p.ms).padStart(7)} ms  ${(p.share * 100).toFixed(1).padStart(5)}%  ${p.calls} calls`);
    console.log(`inside the kernels, one clean step of ${(profiledMs / 1000).toFixed(2)} s (phases nest: xnn.* are the XNNPACK calls):`);
    for (const p of r.phases) console.log(`  ${p.phase.padEnd(34)} ${String(p.ms).padStart(7)} ms  ${((p.share ?? 0) * 100).toFixed(1).padStart(5)}%  ${p.calls} calls`);
  }
}

main().catch((e) => {
  process.stderr.write(`bench engine: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
