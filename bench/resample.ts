// `npm run bench -- resample [--size 256] [--factor 1.3] [--repeat 2] [--workers N]`
// Cubic resampling of a float32 volume (default 256^3 -> 333^3), nnSeg's separable B-spline (the resize nnU-Net
// uses) side by side with scipy.ndimage.zoom(order=3) in the same run (bench/resample_scipy.py, Debian
// python3-scipy; the column is skipped when scipy is missing). Reports best-of-repeat seconds and the max abs
// difference to the call nnU-Net makes (skimage resize = zoom(order=3, mode='nearest', grid_mode=True) + clip).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resize } from '../server/src/engine/preprocessing/resize';
import { resizeParallel } from '../server/src/engine/preprocessing/resizeParallel';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

/** A smooth CT-like volume with edges and noise (values -1000..1500). */
function volume(n: number): Float32Array {
  const d = new Float32Array(n * n * n);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const c = (n - 1) / 2;
  for (let z = 0, i = 0; z < n; z++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++, i++) {
        const r = Math.hypot(z - c, y - c, x - c) / n;
        d[i] = r > 0.45 ? -1000 : 40 + 300 * Math.sin(x / 9) * Math.cos(y / 13) + (r < 0.1 ? 1000 : 0) + 30 * (rnd() - 0.5);
      }
  return d;
}

async function main(): Promise<void> {
  const n = Number(arg('size', '256'));
  const factor = Number(arg('factor', '1.3'));
  const repeat = Number(arg('repeat', '2'));
  const workers = Number(arg('workers', String(Math.min(2, os.availableParallelism?.() ?? os.cpus().length))));
  const m = Math.round(n * factor);
  const shape = [n, n, n];
  const out = [m, m, m];
  console.log(`resample: ${n}^3 float32 -> ${m}^3, cubic (order 3); load: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  const data = volume(n);
  const time = async (fn: () => Promise<Float32Array | Float64Array> | Float32Array | Float64Array) => {
    let best = Infinity;
    let r: Float32Array | Float64Array = new Float32Array(0);
    for (let k = 0; k < repeat; k++) {
      const t = performance.now();
      r = await fn();
      best = Math.min(best, (performance.now() - t) / 1000);
    }
    return { seconds: best, result: r };
  };
  const single = await time(() => resize(data, shape, out, 3));
  console.log(`  nnSeg, 1 thread:            ${single.seconds.toFixed(2)} s`);
  let parallel: { seconds: number; result: Float32Array | Float64Array } | null = null;
  if (workers > 1) {
    parallel = await time(() => resizeParallel(data, shape, out, 3, { workers }));
    console.log(`  nnSeg, ${workers} worker threads:    ${parallel.seconds.toFixed(2)} s`);
    let same = 0;
    for (let i = 0; i < single.result.length; i++) same = Math.max(same, Math.abs(single.result[i] - parallel.result[i]));
    console.log(`    (max abs difference to 1 thread: ${same})`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-resample-'));
  try {
    const src = path.join(tmp, 'in.f32');
    const dst = path.join(tmp, 'out.f32');
    fs.writeFileSync(src, new Uint8Array(data.buffer));
    const py = spawnSync('/usr/bin/python3', [path.join(__dirname, '..', '..', 'bench', 'resample_scipy.py'), src, ...shape.map(String), ...out.map(String), dst, String(repeat)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (py.status !== 0) {
      console.log(`  scipy: skipped (${(py.stderr || py.error?.message || '').trim().split('\n').pop()}; apt-get install python3-scipy python3-skimage)`);
      return;
    }
    const s = JSON.parse(py.stdout.trim().split('\n').pop()!);
    console.log(`  scipy.ndimage.zoom(order=3), defaults:               ${s.zoom_default_s.toFixed(2)} s`);
    console.log(`  nnU-Net's call (${s.skimage ? 'skimage resize' : 'zoom nearest+grid_mode+clip'}, float64):   ${s.nnunet_resize_s.toFixed(2)} s`);
    const ref = new Float32Array(fs.readFileSync(dst).buffer.slice(0));
    let maxDiff = 0;
    let maxVal = 0;
    for (let i = 0; i < ref.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref[i] - single.result[i]));
      maxVal = Math.max(maxVal, Math.abs(ref[i]));
    }
    console.log(`  max abs difference nnSeg vs nnU-Net's call: ${maxDiff.toExponential(2)} (values up to ${maxVal.toFixed(0)}; ${(maxDiff / maxVal).toExponential(1)} relative)`);
    const best = parallel ? Math.min(single.seconds, parallel.seconds) : single.seconds;
    console.log(`  speed-up vs scipy zoom: ${(s.zoom_default_s / best).toFixed(1)}x (1 thread ${(s.zoom_default_s / single.seconds).toFixed(1)}x); vs nnU-Net's call ${(s.nnunet_resize_s / best).toFixed(1)}x`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
