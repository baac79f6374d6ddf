// `npm run bench -- preprocess [--cases 8] [--shape 48x160x160] [--workers 2] [--config 3d_fullres]`
// Whole-preprocessing throughput on a generated CT-like anisotropic dataset (spacing jittered so every case is
// resampled): nnSeg's `preprocess` (worker threads) in cases per minute, and, when nnU-Net's sources are
// available (NNUNET_SRC, see bench/nnunet_reference.py), nnU-Net v2's DefaultPreprocessor.run_case on the same
// cases and plans in one Python process, in the same run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateSyntheticDataset } from '../server/src/engine/dataset/synthetic';
import { planDataset } from '../server/src/engine/planning/run';
import { preprocessDataset } from '../server/src/engine/preprocessing/run';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

async function main(): Promise<void> {
  const cases = Number(arg('cases', '8'));
  const shape = arg('shape', '48x160x160').split('x').map(Number) as [number, number, number];
  const workers = Number(arg('workers', String(Math.min(2, os.cpus().length))));
  const config = arg('config', '3d_fullres');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-bench-pp-'));
  try {
    const name = 'Dataset990_Bench';
    const raw = path.join(tmp, 'raw', name);
    const pre = path.join(tmp, 'pre', name);
    await generateSyntheticDataset({ dir: raw, numCases: cases, shape, spacing: [3, 0.8, 0.8], spacingJitter: 0.2, shapeJitter: 0.1, modality: 'CT', numLabels: 3, seed: 1 });
    const t0 = performance.now();
    await planDataset(raw, { outDir: pre, planner: { memoryTargetGB: 8 }, workers });
    const tPlan = (performance.now() - t0) / 1000;
    console.log(`preprocess: ${cases} generated CT cases ~${shape.join('x')} (spacing ~3 x 0.8 x 0.8 mm, jittered), ${config}; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
    console.log(`  fingerprint + plan: ${tPlan.toFixed(1)} s`);
    for (const w of [...new Set([1, workers])]) {
      const t = performance.now();
      const r = await preprocessDataset(raw, { outDir: pre, configurations: [config], workers: w, force: true });
      const s = (performance.now() - t) / 1000;
      const done = r.configurations[0].done.length;
      console.log(`  nnSeg preprocess, ${w} worker${w > 1 ? 's' : ''}: ${s.toFixed(1)} s, ${((done / s) * 60).toFixed(1)} cases/min`);
    }
    const py = spawnSync(
      '/usr/bin/python3',
      [path.join(__dirname, '..', '..', 'bench', 'nnunet_reference.py'), path.join(tmp, 'raw'), path.join(tmp, 'pre'), name, '--plan-only', '--time-preprocess', config],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    const line = py.stdout?.trim().split('\n').pop() ?? '';
    if (py.status === 0 && line.startsWith('{')) {
      const j = JSON.parse(line);
      console.log(`  nnU-Net v2 DefaultPreprocessor.run_case, 1 process: ${j.seconds.toFixed(1)} s, ${((j.cases / j.seconds) * 60).toFixed(1)} cases/min`);
    } else {
      console.log(`  nnU-Net column skipped (${(py.stderr || '').trim().split('\n').pop() || 'no output'}; needs NNUNET_SRC checkouts and python3-torch/scipy/skimage)`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
