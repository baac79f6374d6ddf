// `npm run bench -- metrics [--size 256] [--reps 3]`: full metrics (confusion counts, surfaces, both
// directed distance sets, hd95/hd99.9/hd100, ASSD) for a generated pair with about 1e5 surface voxels per
// mask, side by side with bench/metrics_scipy.py (scipy.ndimage.distance_transform_edt) on the same arrays.
// Prints both times, the ratio and the largest difference over all values.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { computeCaseMetrics } from '../server/src/engine/evaluation/caseMetrics';
import { boxSurfaces } from '../server/src/engine/evaluation/surface';
import type { LabelMetrics, Shape3 } from '../server/src/engine/evaluation/types';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const size = opt('size', 256);
const reps = opt('reps', 3);
const shape: Shape3 = [size, size, size];
const spacing: Shape3 = [1.5, 0.8, 0.75];

/** A lumpy ellipsoid (radius modulated by low-frequency waves) plus a few far islands. */
function blob(seed: number, centre: Shape3, radius: Shape3, islands: number): Uint8Array {
  const [nz, ny, nx] = shape;
  const a = new Uint8Array(nz * ny * nx);
  const ph = [seed * 1.3, seed * 2.1, seed * 0.7];
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const dz = (z - centre[0]) / radius[0];
        const dy = (y - centre[1]) / radius[1];
        const dx = (x - centre[2]) / radius[2];
        const wobble = 1 + 0.08 * Math.sin(5 * dz + ph[0]) * Math.cos(4 * dy + ph[1]) + 0.05 * Math.sin(6 * dx + ph[2]);
        if (dz * dz + dy * dy + dx * dx <= wobble * wobble) a[i] = 1;
      }
    }
  }
  for (let k = 0; k < islands; k++) {
    const c = [Math.floor(size * (0.1 + 0.1 * k)), Math.floor(size * (0.85 - 0.05 * seed)), Math.floor(size * (0.1 + 0.2 * k))];
    for (let z = c[0] - 2; z <= c[0] + 2; z++) for (let y = c[1] - 2; y <= c[1] + 2; y++) for (let x = c[2] - 2; x <= c[2] + 2; x++) a[(z * size + y) * size + x] = 1;
  }
  return a;
}

interface Scipy {
  seconds: number;
  labels: Record<string, Record<string, number | null | string>>;
  scipy: string;
}

function scipyRun(dir: string, extra: string[]): Scipy {
  const script = path.join(__dirname, '..', '..', 'bench', 'metrics_scipy.py');
  const args = ['--ref', path.join(dir, 'ref.raw'), '--pred', path.join(dir, 'pred.raw'), '--shape', shape.join(','), '--spacing', spacing.join(','), '--labels', '1', ...extra];
  const out = spawnSync('/usr/bin/python3', [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (out.status !== 0) throw new Error(`metrics_scipy.py failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as Scipy;
}

function maxDiff(a: Record<string, number | null | string>, b: LabelMetrics): number {
  let d = 0;
  for (const k of Object.keys(a) as (keyof LabelMetrics)[]) {
    const x = a[k];
    const y = b[k];
    if (typeof x === 'number' && typeof y === 'number') d = Math.max(d, Math.abs(x - y));
    else if (x !== y) d = Infinity;
  }
  return d;
}

/** Ours and scipy's alternately, best of `reps` each (the machine may be shared: alternating evens out load). */
function scenario(name: string, ref: Uint8Array, pred: Uint8Array, withFull: boolean, haveScipy: boolean): void {
  const full: [number, number, number, number, number, number] = [0, 0, 0, size - 1, size - 1, size - 1];
  const surf = boxSurfaces(ref, pred, shape, 1, full);
  console.log(`\n${name}: ${shape.join('x')}, spacing ${spacing.join(' x ')} mm, surface voxels ref ${surf.ref.length}, pred ${surf.pred.length}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-bench-'));
  try {
    fs.writeFileSync(path.join(dir, 'ref.raw'), ref);
    fs.writeFileSync(path.join(dir, 'pred.raw'), pred);
    let best = Infinity;
    let bestPy = Infinity;
    let ours: LabelMetrics | undefined;
    let py: Scipy | undefined;
    for (let r = 0; r < reps; r++) {
      (globalThis as { gc?: () => void }).gc?.();
      const t0 = performance.now();
      ours = computeCaseMetrics(ref, pred, shape, spacing, { labels: [1] }).labels['1'];
      best = Math.min(best, (performance.now() - t0) / 1000);
      if (haveScipy) {
        py = scipyRun(dir, []);
        bestPy = Math.min(bestPy, py.seconds);
      }
    }
    const m = ours!;
    console.log(`  values: Dice ${m.dice!.toFixed(4)}, HD95 ${m.hd95!.toFixed(3)} mm, HD99.9 ${m.hd99_9!.toFixed(3)} mm, HD100 ${m.hd100!.toFixed(3)} mm, ASSD ${m.assd!.toFixed(3)} mm`);
    console.log(`  nnseg (TypeScript, one thread):     ${best.toFixed(3)} s (best of ${reps})`);
    if (!haveScipy) return;
    const d = maxDiff(py!.labels['1'], m);
    console.log(`  scipy ${py!.scipy}, EDT on the union box: ${bestPy.toFixed(3)} s (best of ${reps}); ratio nnseg/scipy ${(best / bestPy).toFixed(3)}; max |difference| ${d.toExponential(2)} ${d <= 1e-6 ? '(identical to 1e-6)' : 'EXCEEDS 1e-6'}`);
    if (withFull) {
      const f = scipyRun(dir, ['--full']);
      console.log(`  scipy, EDT on the whole grid:       ${f.seconds.toFixed(3)} s (once); ratio nnseg/scipy ${(best / f.seconds).toFixed(3)}; max |difference| ${maxDiff(f.labels['1'], m).toExponential(2)}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const s = size / 256;
  console.log(`metrics bench; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores (times under load are noisy: run twice, take the better)`);
  const haveScipy = spawnSync('/usr/bin/python3', ['-c', 'import scipy, numpy'], { encoding: 'utf8' }).status === 0;
  if (!haveScipy) console.log('scipy column skipped: /usr/bin/python3 with scipy not found (apt-get install -y python3-scipy).');
  const ref = blob(1, [128 * s, 128 * s, 128 * s], [69 * s, 108 * s, 110 * s], 0);
  const noisy = blob(2, [126 * s, 131 * s, 127 * s], [71 * s, 106 * s, 111 * s], 2);
  scenario('noisy prediction (lumpy ellipsoid vs another, plus two far islands)', ref, noisy, true, haveScipy);
  const close = blob(1, [129 * s, 127 * s, 128 * s], [69 * s, 108 * s, 111 * s], 0);
  scenario('close prediction (the same shape moved by one voxel, one axis 1% larger)', ref, close, false, haveScipy);
}

main();
