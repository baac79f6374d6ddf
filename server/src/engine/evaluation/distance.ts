import type { Shape3 } from './types';

/**
 * Exact squared Euclidean distance from each query voxel to the nearest feature voxel, with anisotropic
 * spacing. Both sets are linear indices into a box of size `dims` = [bz, by, bx], sorted ascending.
 *
 * The squared distance separates into axes: D(z,y,x) = min over (y',x') of wy(y-y')^2 + wx(x-x')^2 + g_z(y',x'),
 * where g_z(y',x') = wz * (distance along z from slice z to the nearest feature in column (y',x'))^2 is the
 * 1-D transform along z (features are binary). g comes from a CSR list of feature z's per column and one
 * pointer per column, advanced as the slices are visited in order; nothing of box size is allocated.
 * The remaining 2-D minimum is done per slice in one of two exact ways:
 * - ring search around each query (Chebyshev rings r = 0, 1, ..., stopped once r^2 * min(wy, wx) reaches
 *   the best value found, which no unvisited cell can beat) when the queries lie near the features, the
 *   usual case for surfaces of two segmentations of the same structure;
 * - otherwise (the slice's search exceeds a budget of about twice the slice's size) the separable exact EDT
 *   of Felzenszwalb & Huttenlocher (2012): lower envelopes of parabolas along y per x column, evaluated at
 *   the rows holding queries, then along x per query row, evaluated at the queries. Linear in the slice.
 * Restricting the domain to a box that holds every feature and every query is exact: the minimising
 * feature's coordinates always lie inside the box, and so does every partial minimiser.
 */
/** How many ring-search cells cost about as much as one site of the two FH passes (measured). */
export let RING_CELLS_PER_FH_SITE = 8;
export function setRingCost(v: number): void {
  RING_CELLS_PER_FH_SITE = v;
}

export function directedSquaredDistances(features: Int32Array, queries: Int32Array, dims: Shape3, spacing: Shape3): Float64Array {
  const out = new Float64Array(queries.length);
  if (queries.length === 0) return out;
  if (features.length === 0) {
    out.fill(Infinity);
    return out;
  }
  const [, by, bx] = dims;
  const wy = spacing[1] * spacing[1];
  const wx = spacing[2] * spacing[2];
  const wmin = Math.min(wy, wx);
  const slice = by * bx;
  const cz = new ColumnTransform(features, dims, spacing[0] * spacing[0]);
  const g = cz.g;

  const h = new Float64Array(slice).fill(Infinity); // after axis y, only at query rows (FH path)
  const n = Math.max(by, bx) + 1;
  const v = new Int32Array(n);
  const fv = new Float64Array(n);
  const zb = new Float64Array(n + 1);
  const rows = new Int32Array(by);

  // Ring cells per query expected in the next slice, from the slice before (neighbouring slices are alike).
  let cellsPerQuery = 0;
  const fhCost = RING_CELLS_PER_FH_SITE * (slice + 8);
  let q = 0;
  while (q < queries.length) {
    const z = Math.floor(queries[q] / slice);
    const qEnd = upperBound(queries, q, (z + 1) * slice);
    cz.z = z;

    // Ring search, within a budget of what the slice would cost by Felzenszwalb-Huttenlocher.
    const budget0 = cellsPerQuery * (qEnd - q) < fhCost ? fhCost : 0;
    let budget = budget0;
    let t = q;
    for (; t < qEnd; t++) {
      const yx = queries[t] - z * slice;
      const y = (yx / bx) | 0;
      const x = yx - y * bx;
      let best = Infinity;
      for (let r = 0; ; r++) {
        if (r * r * wmin >= best) break;
        const ylo = y - r;
        const yhi = y + r;
        const xlo = x - r;
        const xhi = x + r;
        if (ylo < 0 && yhi >= by && xlo < 0 && xhi >= bx) break;
        budget -= r === 0 ? 1 : 8 * r;
        if (budget < 0) break;
        if (r === 0) {
          best = cz.at(x * by + y);
          continue;
        }
        const dyy = wy * r * r;
        const dxx = wx * r * r;
        // rows y-r and y+r, x from xlo to xhi
        for (let xx = Math.max(xlo, 0); xx <= Math.min(xhi, bx - 1); xx++) {
          const dx = xx - x;
          const cost = dyy + wx * dx * dx;
          if (cost >= best) continue;
          if (ylo >= 0) {
            const d = cost + cz.at(xx * by + ylo);
            if (d < best) best = d;
          }
          if (yhi < by) {
            const d = cost + cz.at(xx * by + yhi);
            if (d < best) best = d;
          }
        }
        // columns x-r and x+r, y strictly between
        for (let yy = Math.max(ylo + 1, 0); yy <= Math.min(yhi - 1, by - 1); yy++) {
          const dy = yy - y;
          const cost = dxx + wy * dy * dy;
          if (cost >= best) continue;
          if (xlo >= 0) {
            const d = cost + cz.at(xlo * by + yy);
            if (d < best) best = d;
          }
          if (xhi < bx) {
            const d = cost + cz.at(xhi * by + yy);
            if (d < best) best = d;
          }
        }
      }
      if (budget < 0) break;
      out[t] = best;
    }
    if (t === qEnd) {
      cellsPerQuery = (budget0 - budget) / (qEnd - q);
      q = qEnd;
      continue;
    }

    // Fallback: the whole slice by Felzenszwalb-Huttenlocher.
    cz.fillSlice();
    // rows of this slice that hold queries
    let nRows = 0;
    for (let k = q; k < qEnd; k++) {
      const y = Math.floor((queries[k] - z * slice) / bx);
      if (nRows === 0 || rows[nRows - 1] !== y) rows[nRows++] = y;
    }

    // axis y: per x column, envelope over y, evaluated at the query rows.
    for (let x = 0; x < bx; x++) {
      const k = lowerEnvelope(g, x * by, by, wy, v, fv, zb);
      if (k < 0) {
        for (let r = 0; r < nRows; r++) h[rows[r] * bx + x] = Infinity;
        continue;
      }
      let j = 0;
      for (let r = 0; r < nRows; r++) {
        const y = rows[r];
        while (zb[j + 1] < y) j++;
        const d = y - v[j];
        h[y * bx + x] = fv[j] + wy * d * d;
      }
    }

    // axis x: per query row, envelope over x, evaluated at the query voxels of the row.
    let k0 = q;
    for (let r = 0; r < nRows; r++) {
      const y = rows[r];
      const base = z * slice + y * bx;
      let k1 = k0;
      while (k1 < qEnd && queries[k1] < base + bx) k1++;
      const k = lowerEnvelope(h, y * bx, bx, wx, v, fv, zb);
      let j = 0;
      for (let t = k0; t < k1; t++) {
        const x = queries[t] - base;
        if (k < 0) {
          out[t] = Infinity;
          continue;
        }
        while (zb[j + 1] < x) j++;
        const d = x - v[j];
        out[t] = fv[j] + wx * d * d;
      }
      k0 = k1;
    }
    let cells = 0;
    for (let k = q; k < qEnd; k++) {
      const r = Math.sqrt(out[k] / wmin);
      cells += (2 * r + 1) * (2 * r + 1);
    }
    cellsPerQuery = cells / (qEnd - q);
    q = qEnd;
  }
  return out;
}

/**
 * Felzenszwalb-Huttenlocher: the lower envelope of the parabolas w (i - p)^2 + f[off + p] over the finite
 * f of one line of n samples. Writes their positions (v), values (fv) and the envelope's boundaries (zb);
 * returns the index of the last parabola, -1 when the line has no finite value.
 */
function lowerEnvelope(f: Float64Array, off: number, n: number, w: number, v: Int32Array, fv: Float64Array, zb: Float64Array): number {
  let k = -1;
  for (let i = 0; i < n; i++) {
    const fi = f[off + i];
    if (fi === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = i;
      fv[0] = fi;
      zb[0] = -Infinity;
      zb[1] = Infinity;
      continue;
    }
    const fw = fi + w * i * i;
    let s = 0;
    while (true) {
      const r = v[k];
      s = (fw - (fv[k] + w * r * r)) / (2 * w * (i - r));
      if (s <= zb[k]) k--;
      else break;
    }
    k++;
    v[k] = i;
    fv[k] = fi;
    zb[k] = s;
    zb[k + 1] = Infinity;
  }
  return k;
}

/**
 * The 1-D transform along z for the slice `z`: g[c] = wz * (z distance to the nearest feature in column c)^2,
 * columns numbered x-major (x * by + y). Computed lazily per column (a stamp says which slice g[c] is for);
 * slices must be visited in ascending order.
 */
class ColumnTransform {
  readonly g: Float64Array;
  z = 0;
  private readonly colStart: Int32Array;
  private readonly featZ: Int32Array;
  private readonly ptr: Int32Array;
  private readonly stamp: Int32Array;
  private readonly cols: Int32Array;

  constructor(
    features: Int32Array,
    dims: Shape3,
    private readonly wz: number,
  ) {
    const [, by, bx] = dims;
    const slice = by * bx;
    const colOf = (f: number) => {
      const yx = f % slice;
      const y = (yx / bx) | 0;
      return (yx - y * bx) * by + y;
    };
    // CSR of feature z's per column; features arrive z-major so each column's list is ascending.
    const colStart = new Int32Array(slice + 1);
    for (let k = 0; k < features.length; k++) colStart[colOf(features[k]) + 1]++;
    const featureColumns: number[] = [];
    for (let c = 0; c < slice; c++) {
      if (colStart[c + 1] > 0) featureColumns.push(c);
      colStart[c + 1] += colStart[c];
    }
    const featZ = new Int32Array(features.length);
    const fill = colStart.slice(0, slice);
    for (let k = 0; k < features.length; k++) {
      const f = features[k];
      featZ[fill[colOf(f)]++] = Math.floor(f / slice);
    }
    this.colStart = colStart;
    this.featZ = featZ;
    this.cols = Int32Array.from(featureColumns);
    this.ptr = colStart.slice(0, slice);
    this.stamp = new Int32Array(slice).fill(-1);
    this.g = new Float64Array(slice).fill(Infinity);
  }

  at(c: number): number {
    if (this.stamp[c] === this.z) return this.g[c];
    const z = this.z;
    const start = this.colStart[c];
    const end = this.colStart[c + 1];
    let p = this.ptr[c];
    while (p < end && this.featZ[p] < z) p++;
    this.ptr[c] = p;
    let d = Infinity;
    if (p < end) d = this.featZ[p] - z;
    if (p > start) {
      const up = z - this.featZ[p - 1];
      if (up < d) d = up;
    }
    const value = d * d * this.wz;
    this.g[c] = value;
    this.stamp[c] = z;
    return value;
  }

  /** Brings every feature column of g to the current slice (other columns are Infinity throughout). */
  fillSlice(): void {
    for (let j = 0; j < this.cols.length; j++) this.at(this.cols[j]);
  }
}

/** First index in a[from..] whose value is >= limit (a ascending). */
function upperBound(a: Int32Array, from: number, limit: number): number {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
