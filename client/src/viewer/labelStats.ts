/**
 * Per-label statistics and prediction-vs-reference comparison over label maps.
 * Pure functions on typed arrays, shared by the webview (bundled by esbuild) and the unit tests.
 * Label values are rounded to the nearest integer (float label maps such as hippo.nii.gz store 9.0);
 * values <= 0 are background.
 */

export type Voxels = ArrayLike<number>;

export interface LabelCount {
  label: number;
  voxels: number;
  volumeMm3: number;
  /** Mean voxel index (file order i, j, k) when dims were given: where "go to label" jumps. */
  centroid?: [number, number, number];
}

/**
 * Voxels, volume and centroid per non-zero label, sorted by label value.
 * `dims` (the first three NIfTI dims) enables the centroids; data is in file order (i fastest).
 */
export function labelCounts(data: Voxels, voxelVolumeMm3: number, dims?: number[]): LabelCount[] {
  const D = 1024; // dense counters for the usual small labels, a Map beyond
  const dense = new Float64Array(D * 4);
  const sparse = new Map<number, Float64Array>();
  const n = data.length;
  const [nx, ny, nz] = dims && dims[0] * dims[1] * dims[2] === n ? dims : [n, 1, 1];
  let idx = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, idx++) {
        const v = Math.round(data[idx]);
        if (v <= 0) continue;
        let acc: Float64Array;
        let o: number;
        if (v < D) {
          acc = dense;
          o = v * 4;
        } else {
          acc = sparse.get(v) ?? new Float64Array(4);
          sparse.set(v, acc);
          o = 0;
        }
        acc[o]++;
        acc[o + 1] += i;
        acc[o + 2] += j;
        acc[o + 3] += k;
      }
    }
  }
  const rows: [number, Float64Array, number][] = [];
  for (let v = 1; v < D; v++) if (dense[v * 4] > 0) rows.push([v, dense, v * 4]);
  for (const [v, acc] of sparse) rows.push([v, acc, 0]);
  const withCentroid = !!dims && dims[0] * dims[1] * dims[2] === n;
  return rows
    .sort((a, b) => a[0] - b[0])
    .map(([label, acc, o]) => {
      const voxels = acc[o];
      const out: LabelCount = { label, voxels, volumeMm3: voxels * voxelVolumeMm3 };
      if (withCentroid) out.centroid = [acc[o + 1] / voxels, acc[o + 2] / voxels, acc[o + 3] / voxels];
      return out;
    });
}

export interface LabelComparison {
  label: number;
  tp: number;
  fp: number;
  fn: number;
  /** 2TP / (2TP + FP + FN); NaN when the label is in neither map (nnU-Net's convention). */
  dice: number;
}

/** Codes of the comparison map: what each voxel is for the compared label(s). */
export const COMPARE_CODE = { background: 0, tp: 1, fp: 2, fn: 3, swap: 4 } as const;

export interface ComparisonResult {
  perLabel: LabelComparison[];
  /** One code per voxel (COMPARE_CODE). `swap` = both maps label the voxel, with different labels. */
  codes: Uint8Array;
}

/**
 * Voxel-wise comparison of a prediction with a reference on the same grid.
 * `onlyLabel` restricts the comparison (and the code map) to one label; other labels count as background.
 */
export function compareLabelMaps(prediction: Voxels, reference: Voxels, onlyLabel?: number): ComparisonResult {
  if (prediction.length !== reference.length) {
    throw new Error(`prediction has ${prediction.length} voxels but reference has ${reference.length}`);
  }
  const n = prediction.length;
  const codes = new Uint8Array(n);
  const tp = new Map<number, number>();
  const fp = new Map<number, number>();
  const fn = new Map<number, number>();
  const add = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  // Dense counters for small labels; Map for the rest.
  const D = 1024;
  const dtp = new Float64Array(D);
  const dfp = new Float64Array(D);
  const dfn = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    let p = Math.round(prediction[i]);
    let r = Math.round(reference[i]);
    if (p < 0) p = 0;
    if (r < 0) r = 0;
    if (onlyLabel !== undefined) {
      p = p === onlyLabel ? p : 0;
      r = r === onlyLabel ? r : 0;
    }
    if (p === r) {
      if (p === 0) continue;
      codes[i] = COMPARE_CODE.tp;
      if (p < D) dtp[p]++;
      else add(tp, p);
      continue;
    }
    if (p > 0) {
      if (p < D) dfp[p]++;
      else add(fp, p);
    }
    if (r > 0) {
      if (r < D) dfn[r]++;
      else add(fn, r);
    }
    codes[i] = p > 0 && r > 0 ? COMPARE_CODE.swap : p > 0 ? COMPARE_CODE.fp : COMPARE_CODE.fn;
  }
  for (let v = 1; v < D; v++) {
    if (dtp[v]) tp.set(v, dtp[v]);
    if (dfp[v]) fp.set(v, dfp[v]);
    if (dfn[v]) fn.set(v, dfn[v]);
  }
  const labels = new Set<number>([...tp.keys(), ...fp.keys(), ...fn.keys()]);
  if (onlyLabel !== undefined) labels.add(onlyLabel);
  const perLabel = [...labels]
    .sort((a, b) => a - b)
    .map((label) => {
      const t = tp.get(label) ?? 0;
      const f = fp.get(label) ?? 0;
      const g = fn.get(label) ?? 0;
      const denom = 2 * t + f + g;
      return { label, tp: t, fp: f, fn: g, dice: denom === 0 ? NaN : (2 * t) / denom };
    });
  return { perLabel, codes };
}

export interface GridDescription {
  /** Voxel counts along the file's first three axes. */
  dims: number[];
  /** Voxel-to-world (mm) matrix, row-major 4x4 (the one the reader uses: sform if set, else qform). */
  affine: number[][];
}

/**
 * Why two label maps / images are not on the same voxel grid, or undefined when they are.
 * Affine entries may differ by `toleranceMm` (float32 header round-off).
 */
export function gridMismatch(a: GridDescription, b: GridDescription, toleranceMm = 1e-3): string | undefined {
  const da = a.dims.slice(0, 3);
  const db = b.dims.slice(0, 3);
  if (da.some((d, i) => d !== db[i])) return `grid ${da.join('x')} differs from ${db.join('x')}`;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      const x = a.affine[r]?.[c] ?? NaN;
      const y = b.affine[r]?.[c] ?? NaN;
      // Scale the tolerance for translations by the extent, so large volumes with float32 origins pass.
      const tol = c === 3 ? Math.max(toleranceMm, 1e-6 * Math.abs(x)) : toleranceMm;
      if (!(Math.abs(x - y) <= tol)) {
        return `voxel-to-world matrices differ (row ${r + 1}, column ${c + 1}: ${fmt(x)} vs ${fmt(y)})`;
      }
    }
  }
  return undefined;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Math.round(x * 1e4) / 1e4) : String(x);
}

/**
 * Intensity percentiles from a histogram (robust to the tens of millions of voxels of a CT):
 * samples at most `maxSamples` voxels with a fixed stride, then interpolates inside 4096 bins.
 */
export function percentiles(data: Voxels, fractions: number[], maxSamples = 4_000_000): number[] {
  const n = data.length;
  if (n === 0) return fractions.map(() => NaN);
  const stride = Math.max(1, Math.floor(n / maxSamples));
  let lo = Infinity;
  let hi = -Infinity;
  let count = 0;
  for (let i = 0; i < n; i += stride) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    count++;
  }
  if (count === 0) return fractions.map(() => NaN);
  if (hi === lo) return fractions.map(() => lo);
  const bins = 4096;
  const hist = new Float64Array(bins);
  const scale = bins / (hi - lo);
  for (let i = 0; i < n; i += stride) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    hist[Math.min(bins - 1, Math.floor((v - lo) * scale))]++;
  }
  return fractions.map((f) => {
    const target = Math.min(1, Math.max(0, f)) * count;
    let acc = 0;
    for (let b = 0; b < bins; b++) {
      if (acc + hist[b] >= target) {
        const within = hist[b] > 0 ? (target - acc) / hist[b] : 0;
        return lo + (b + within) / scale;
      }
      acc += hist[b];
    }
    return hi;
  });
}

/**
 * The surface voxels of every label (6-neighbourhood; outside the grid counts as background): the
 * "outline" drawing of a label map. Interior voxels become 0. `data` is in file order (i fastest).
 */
export function labelBoundary<T extends Uint8Array | Uint16Array>(data: T, dims: number[]): T {
  const [nx, ny, nz] = dims;
  if (nx * ny * nz !== data.length) throw new Error(`dims ${dims.join('x')} do not match ${data.length} voxels`);
  const out = new (data.constructor as { new (n: number): T })(data.length);
  const sx = 1;
  const sy = nx;
  const sz = nx * ny;
  let idx = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, idx++) {
        const v = data[idx];
        if (v === 0) continue;
        // An axis with a single voxel (a 2D image) has no neighbours along it.
        const edge =
          (nx > 1 && (i === 0 || i === nx - 1 || data[idx - sx] !== v || data[idx + sx] !== v)) ||
          (ny > 1 && (j === 0 || j === ny - 1 || data[idx - sy] !== v || data[idx + sy] !== v)) ||
          (nz > 1 && (k === 0 || k === nz - 1 || data[idx - sz] !== v || data[idx + sz] !== v));
        if (edge) out[idx] = v;
      }
    }
  }
  return out;
}
