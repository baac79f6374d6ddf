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

function main(): void {
  const s = size / 256;
  const ref = blob(1, [128 * s, 128 * s, 128 * s], [66 * s, 104 * s, 106 * s], 0);
  const pred = blob(2, [126 * s, 131 * s, 127 * s], [68 * s, 102 * s, 107 * s], 2);
  const full: [number, number, number, number, number, number] = [0, 0, 0, size - 1, size - 1, size - 1];
  const surf = boxSurfaces(ref, pred, shape, 1, full);
  console.log(`metrics bench: ${shape.join('x')} pair, spacing ${spacing.join(' x ')} mm, surface voxels ref ${surf.ref.length}, pred ${surf.pred.length}`);
  console.log(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)`);

  let best = Infinity;
  let ours: LabelMetrics | undefined;
  for (let r = 0; r < reps; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    const m = computeCaseMetrics(ref, pred, shape, spacing, { labels: [1] });
    const dt = (performance.now() - t0) / 1000;
    best = Math.min(best, dt);
    ours = m.labels['1'];
  }
  console.log(`nnseg (TypeScript): best of ${reps} ${best.toFixed(3)} s`);
  console.log(`  ${JSON.stringify(ours)}`);

  const py = '/usr/bin/python3';
  const script = path.join(__dirname, '..', '..', 'bench', 'metrics_scipy.py');
  const probe = spawnSync(py, ['-c', 'import scipy, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log('scipy column skipped: /usr/bin/python3 with scipy not found (apt-get install -y python3-scipy).');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-bench-'));
  try {
    fs.writeFileSync(path.join(dir, 'ref.raw'), ref);
    fs.writeFileSync(path.join(dir, 'pred.raw'), pred);
    const common = ['--ref', path.join(dir, 'ref.raw'), '--pred', path.join(dir, 'pred.raw'), '--shape', shape.join(','), '--spacing', spacing.join(','), '--labels', '1'];
    for (const variant of [{ name: 'scipy, EDT on the bounding box', extra: [] as string[] }, { name: 'scipy, EDT on the whole grid', extra: ['--full'] }]) {
      let pyBest = Infinity;
      let ref1: Record<string, number | null | string> | undefined;
      for (let r = 0; r < (variant.extra.length ? 1 : reps); r++) {
        const out = spawnSync(py, [script, ...common, ...variant.extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
        if (out.status !== 0) throw new Error(`metrics_scipy.py failed: ${out.stderr}`);
        const res = JSON.parse(out.stdout) as { seconds: number; labels: Record<string, Record<string, number | null | string>>; scipy: string };
        pyBest = Math.min(pyBest, res.seconds);
        ref1 = res.labels['1'];
        if (r === 0 && !variant.extra.length) console.log(`scipy ${res.scipy}`);
      }
      let maxDiff = 0;
      const keys = Object.keys(ref1!) as (keyof LabelMetrics)[];
      for (const k of keys) {
        const a = ref1![k];
        const b = ours![k];
        if (typeof a === 'number' && typeof b === 'number') maxDiff = Math.max(maxDiff, Math.abs(a - b));
        else if (a !== b) maxDiff = Infinity;
      }
      console.log(`${variant.name}: ${pyBest.toFixed(3)} s; nnseg/scipy time ratio ${(best / pyBest).toFixed(3)}; max |difference| ${maxDiff.toExponential(2)} ${maxDiff <= 1e-6 ? '(identical to 1e-6)' : 'EXCEEDS 1e-6'}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
