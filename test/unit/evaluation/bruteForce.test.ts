import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { computeCaseMetrics } from '../../../server/src/engine/evaluation/caseMetrics';
import { setRingCost, RING_CELLS_PER_FH_SITE } from '../../../server/src/engine/evaluation/distance';
import type { HdMode, LabelMetrics, Shape3 } from '../../../server/src/engine/evaluation/types';

/** A small random label map: a few blobs (random ellipsoids, with random holes) of labels 1..nLabels. */
function randomMap(shape: Shape3, seed: number, nLabels: number): Uint8Array {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const [nz, ny, nx] = shape;
  const a = new Uint8Array(nz * ny * nx);
  for (let l = 1; l <= nLabels; l++) {
    for (let blob = 0; blob < 2; blob++) {
      const c = [rnd() * nz, rnd() * ny, rnd() * nx];
      const r = [1 + rnd() * nz * 0.4, 1 + rnd() * ny * 0.4, 1 + rnd() * nx * 0.4];
      let i = 0;
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++, i++) {
            const d = ((z - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + ((x - c[2]) / r[2]) ** 2;
            if (d <= 1 && rnd() > 0.15) a[i] = l;
          }
    }
  }
  return a;
}

/** Definitions applied literally: surface by testing the 6 neighbours, every pair of surface voxels compared. */
function bruteForce(ref: Uint8Array, pred: Uint8Array, shape: Shape3, sp: Shape3, label: number, mode: HdMode): Record<string, number | null> {
  const [nz, ny, nx] = shape;
  const at = (a: Uint8Array, z: number, y: number, x: number) => z >= 0 && y >= 0 && x >= 0 && z < nz && y < ny && x < nx && a[(z * ny + y) * nx + x] === label;
  const surface = (a: Uint8Array) => {
    const out: [number, number, number][] = [];
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          if (!at(a, z, y, x)) continue;
          const nb = [[z - 1, y, x], [z + 1, y, x], [z, y - 1, x], [z, y + 1, x], [z, y, x - 1], [z, y, x + 1]];
          if (nb.some(([a1, b1, c1]) => !at(a, a1, b1, c1))) out.push([z, y, x]);
        }
    return out;
  };
  const sa = surface(ref);
  const sb = surface(pred);
  if (!sa.length || !sb.length) return { hd95: null, hd100: null };
  const directed = (from: [number, number, number][], to: [number, number, number][]): number[] =>
    from
      .map(([z, y, x]) => Math.sqrt(Math.min(...to.map(([z2, y2, x2]) => ((z - z2) * sp[0]) ** 2 + ((y - y2) * sp[1]) ** 2 + ((x - x2) * sp[2]) ** 2))))
      .sort((a, b) => a - b);
  const dab = directed(sa, sb);
  const dba = directed(sb, sa);
  const pct = (d: number[], p: number) => {
    const v = (d.length - 1) * (p / 100);
    const lo = Math.floor(v);
    return d[lo] + (d[Math.min(lo + 1, d.length - 1)] - d[lo]) * (v - lo);
  };
  const both = [...dab, ...dba].sort((a, b) => a - b);
  const hd = (p: number) => (mode === 'pooled' ? pct(both, p) : Math.max(pct(dab, p), pct(dba, p)));
  return { hd95: hd(95), hd99_9: hd(99.9), hd100: Math.max(dab[dab.length - 1], dba[dba.length - 1]), assd: both.reduce((a, b) => a + b, 0) / both.length };
}

function compare(seed: number, shape: Shape3, spacing: Shape3, mode: HdMode): number {
  const ref = randomMap(shape, seed, 3);
  const pred = randomMap(shape, seed + 1000, 3);
  const ours = computeCaseMetrics(ref, pred, shape, spacing, { labels: [1, 2, 3], hdMode: mode }).labels;
  let checked = 0;
  for (const l of [1, 2, 3]) {
    const want = bruteForce(ref, pred, shape, spacing, l, mode);
    for (const [k, v] of Object.entries(want)) {
      const got = ours[String(l)][k as keyof LabelMetrics];
      if (v === null) assert.equal(got, null, `seed ${seed} label ${l} ${k}`);
      else {
        assert.ok(typeof got === 'number' && Math.abs(got - v) < 1e-9, `seed ${seed} label ${l} ${k}: ${got} vs ${v}`);
        checked++;
      }
    }
  }
  return checked;
}

test('random label maps: distances equal brute force (ring search path)', () => {
  let checked = 0;
  for (let seed = 1; seed <= 12; seed++) checked += compare(seed, [7 + (seed % 4), 9, 11 + (seed % 3)], [2.5, 0.7, 1.3], seed % 2 ? 'max' : 'pooled');
  assert.ok(checked > 60, `only ${checked} values compared`);
});

test('random label maps: distances equal brute force (Felzenszwalb-Huttenlocher path)', () => {
  const saved = RING_CELLS_PER_FH_SITE;
  setRingCost(0); // every slice goes straight to the separable EDT
  try {
    let checked = 0;
    for (let seed = 21; seed <= 32; seed++) checked += compare(seed, [8, 10 + (seed % 3), 9], [0.8, 3, 1.1], seed % 2 ? 'max' : 'pooled');
    assert.ok(checked > 60, `only ${checked} values compared`);
  } finally {
    setRingCost(saved);
  }
});

test('isotropic spacing with many equidistant candidates still matches brute force', () => {
  let checked = 0;
  for (let seed = 41; seed <= 46; seed++) checked += compare(seed, [10, 10, 10], [1, 1, 1], 'max');
  assert.ok(checked > 30);
});
