import type { Shape3 } from './types';

/**
 * Exact squared Euclidean distance from each query voxel to the nearest feature voxel, with anisotropic
 * spacing. Both sets are linear indices into a box of size `dims` = [bz, by, bx], sorted ascending.
 *
 * Separable exact EDT (Felzenszwalb & Huttenlocher 2012), arranged so nothing of box size is allocated:
 * - axis z (features are binary, so the 1-D transform is the distance to the nearest feature in the same
 *   (y, x) column): a CSR list of feature z's per column and one pointer per column, advanced slice by slice;
 * - axis y: lower envelope of parabolas per x column of the slice, evaluated only at rows holding queries;
 * - axis x: lower envelope per query row, evaluated only at the query voxels.
 * Restricting the domain to a box that holds every feature and every query is exact: the minimising
 * feature's coordinates always lie inside the box, and so does every partial minimiser of the separable
 * passes. Work is O(box voxels), memory O(slice + surface).
 */
export function directedSquaredDistances(features: Int32Array, queries: Int32Array, dims: Shape3, spacing: Shape3): Float64Array {
  const out = new Float64Array(queries.length);
  if (queries.length === 0) return out;
  if (features.length === 0) {
    out.fill(Infinity);
    return out;
  }
  const [, by, bx] = dims;
  const wz = spacing[0] * spacing[0];
  const wy = spacing[1] * spacing[1];
  const wx = spacing[2] * spacing[2];
  const slice = by * bx;

  // CSR of feature z's per column; features arrive z-major so each column's list is ascending.
  const colStart = new Int32Array(slice + 1);
  for (let k = 0; k < features.length; k++) colStart[(features[k] % slice) + 1]++;
  const featureColumns: number[] = [];
  for (let c = 0; c < slice; c++) {
    if (colStart[c + 1] > 0) featureColumns.push(c);
    colStart[c + 1] += colStart[c];
  }
  const featZ = new Int32Array(features.length);
  const fill = colStart.slice(0, slice);
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    const c = f % slice;
    featZ[fill[c]++] = (f - c) / slice;
  }
  const cols = Int32Array.from(featureColumns);
  const ptr = colStart.slice(0, slice);

  const g = new Float64Array(slice).fill(Infinity); // after axis z
  const h = new Float64Array(slice).fill(Infinity); // after axis y, only at query rows
  const n = Math.max(by, bx) + 1;
  const v = new Int32Array(n);
  const fv = new Float64Array(n);
  const zb = new Float64Array(n + 1);
  const rows = new Int32Array(by);

  let q = 0;
  while (q < queries.length) {
    const z = Math.floor(queries[q] / slice);
    const qEnd = upperBound(queries, q, (z + 1) * slice);

    // axis z: nearest feature in each feature column (others stay Infinity).
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j];
      let p = ptr[c];
      const end = colStart[c + 1];
      while (p < end && featZ[p] < z) p++;
      ptr[c] = p;
      let d = Infinity;
      if (p < end) d = featZ[p] - z;
      if (p > colStart[c]) {
        const up = z - featZ[p - 1];
        if (up < d) d = up;
      }
      g[c] = d * d * wz;
    }

    // rows of this slice that hold queries
    let nRows = 0;
    for (let k = q; k < qEnd; k++) {
      const y = Math.floor((queries[k] - z * slice) / bx);
      if (nRows === 0 || rows[nRows - 1] !== y) rows[nRows++] = y;
    }

    // axis y: per x column, envelope over y, evaluated at the query rows.
    for (let x = 0; x < bx; x++) {
      let k = -1;
      for (let y = 0; y < by; y++) {
        const f = g[y * bx + x];
        if (f === Infinity) continue;
        const fy = f + wy * y * y;
        if (k < 0) {
          k = 0;
          v[0] = y;
          fv[0] = f;
          zb[0] = -Infinity;
          zb[1] = Infinity;
          continue;
        }
        let s = 0;
        while (true) {
          const r = v[k];
          s = (fy - (fv[k] + wy * r * r)) / (2 * wy * (y - r));
          if (s <= zb[k]) k--;
          else break;
        }
        k++;
        v[k] = y;
        fv[k] = f;
        zb[k] = s;
        zb[k + 1] = Infinity;
      }
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
      let k = -1;
      const row = y * bx;
      for (let x = 0; x < bx; x++) {
        const f = h[row + x];
        if (f === Infinity) continue;
        const fx = f + wx * x * x;
        if (k < 0) {
          k = 0;
          v[0] = x;
          fv[0] = f;
          zb[0] = -Infinity;
          zb[1] = Infinity;
          continue;
        }
        let s = 0;
        while (true) {
          const rr = v[k];
          s = (fx - (fv[k] + wx * rr * rr)) / (2 * wx * (x - rr));
          if (s <= zb[k]) k--;
          else break;
        }
        k++;
        v[k] = x;
        fv[k] = f;
        zb[k] = s;
        zb[k + 1] = Infinity;
      }
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
    q = qEnd;
  }
  return out;
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
