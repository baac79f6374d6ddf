/**
 * Voxel-to-world geometry of a NIfTI header, in RAS+ (x to the Right, y Anterior, z Superior) in the
 * header's spatial units (millimetres in practice; nibabel and ITK do not convert units either).
 * Affines map (i, j, k, 1), i = x index = fastest in memory = last axis of the engine's [z, y, x] arrays.
 */
import type { NiftiHeader } from './header';
import { NiftiError } from './errors';

export type Mat4 = number[][];
export type AffineSource = 'sform' | 'qform' | 'pixdim';

/** Transform codes nibabel accepts (nifti1.h, 5 = NIFTI_XFORM_TEMPLATE_OTHER); others count as 0. */
const VALID_XFORM_CODES = new Set([0, 1, 2, 3, 4, 5]);

export function xformCodeValid(code: number): boolean {
  return VALID_XFORM_CODES.has(code) && code > 0;
}

/**
 * pixdim[1..3] the way nibabel fixes them on load: 0 becomes 1, negatives become their absolute value.
 * Non-finite voxel sizes are refused (they make every later computation meaningless).
 */
export function voxelSizes(h: NiftiHeader, file = 'image'): [number, number, number] {
  const out: number[] = [];
  for (let k = 1; k <= 3; k++) {
    const v = h.pixdim[k];
    if (!Number.isFinite(v)) {
      // Voxel sizes of axes the image does not have do not matter.
      if (k > h.dim[0]) { out.push(1); continue; }
      throw new NiftiError(file, `has pixdim[${k}] = ${v}; voxel sizes must be finite numbers`);
    }
    out.push(v === 0 ? 1 : Math.abs(v));
  }
  return out as [number, number, number];
}

/** qfac as nibabel reads it: pixdim[0] if it is exactly -1, else 1. */
export function qfacOf(h: NiftiHeader): 1 | -1 {
  return h.pixdim[0] === -1 ? -1 : 1;
}

/** The rotation of a unit quaternion (b, c, d with a >= 0 filled in), as nifti1_io and nibabel compute it. */
export function quaternToRotation(b: number, c: number, d: number): number[][] {
  let a2 = 1 - (b * b + c * c + d * d);
  // nibabel: small negative a^2 from float32 storage means a = 0; nifti1_io renormalises (b, c, d) when
  // clearly > 1. Renormalising both ways keeps the matrix a rotation.
  if (a2 < 0) {
    const n = Math.sqrt(b * b + c * c + d * d);
    if (a2 < -3 * 1.1920929e-7) [b, c, d] = [b / n, c / n, d / n];
    a2 = 0;
  }
  const a = Math.sqrt(a2);
  const w = a, x = b, y = c, z = d;
  const Nq = w * w + x * x + y * y + z * z;
  if (Nq < 2.220446049250313e-16) return [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const s = 2 / Nq;
  const X = x * s, Y = y * s, Z = z * s;
  const wX = w * X, wY = w * Y, wZ = w * Z;
  const xX = x * X, xY = x * Y, xZ = x * Z;
  const yY = y * Y, yZ = y * Z, zZ = z * Z;
  return [
    [1 - (yY + zZ), xY - wZ, xZ + wY],
    [xY + wZ, 1 - (xX + zZ), yZ - wX],
    [xZ - wY, yZ + wX, 1 - (xX + yY)],
  ];
}

export function qformAffine(h: NiftiHeader, file?: string): Mat4 {
  const R = quaternToRotation(h.quaternB, h.quaternC, h.quaternD);
  const [dx, dy, dz0] = voxelSizes(h, file);
  const dz = dz0 * qfacOf(h);
  return [
    [R[0][0] * dx, R[0][1] * dy, R[0][2] * dz, h.qoffsetX],
    [R[1][0] * dx, R[1][1] * dy, R[1][2] * dz, h.qoffsetY],
    [R[2][0] * dx, R[2][1] * dy, R[2][2] * dz, h.qoffsetZ],
    [0, 0, 0, 1],
  ];
}

export function sformAffine(h: NiftiHeader): Mat4 {
  return [[...h.srowX], [...h.srowY], [...h.srowZ], [0, 0, 0, 1]];
}

/** NIfTI method 1 (no usable sform or qform): voxel sizes on the diagonal, origin at voxel (0,0,0). */
export function pixdimAffine(h: NiftiHeader, file?: string): Mat4 {
  const [dx, dy, dz] = voxelSizes(h, file);
  return [[dx, 0, 0, 0], [0, dy, 0, 0], [0, 0, dz, 0], [0, 0, 0, 1]];
}

/**
 * The voxel-to-world affine: sform when sform_code > 0, else qform when qform_code > 0, else pixdim.
 * (nibabel agrees except for the last case, where it returns an Analyze-style centred, x-flipped
 * affine; we follow the NIfTI standard's method 1, as ITK/SimpleITK and so nnU-Net do.)
 */
export function affineOf(h: NiftiHeader, file = 'image'): { affine: Mat4; source: AffineSource } {
  let affine: Mat4;
  let source: AffineSource;
  if (xformCodeValid(h.sformCode)) [affine, source] = [sformAffine(h), 'sform'];
  else if (xformCodeValid(h.qformCode)) [affine, source] = [qformAffine(h, file), 'qform'];
  else [affine, source] = [pixdimAffine(h, file), 'pixdim'];
  for (const row of affine) {
    for (const v of row) {
      if (!Number.isFinite(v)) throw new NiftiError(file, `has a ${source} affine with non-finite numbers (${v})`);
    }
  }
  return { affine, source };
}

/** Spacing in the engine's order ([sz, sy, sx] for 3D; one entry per spatial axis present). */
export function spacingOf(h: NiftiHeader, file?: string): number[] {
  const n = Math.min(3, h.dim[0]);
  return voxelSizes(h, file).slice(0, n).reverse();
}

/** Length of each voxel axis in world units (column norms of the affine), in NIfTI order [i, j, k]. */
export function affineVoxelSizes(affine: Mat4): [number, number, number] {
  return [0, 1, 2].map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c])) as [number, number, number];
}

// ---------- small matrix helpers ----------

export function matMul(a: Mat4, b: Mat4): Mat4 {
  const n = a.length, m = b[0].length, p = b.length;
  const out: Mat4 = Array.from({ length: n }, () => new Array<number>(m).fill(0));
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < p; k++) s += a[i][k] * b[k][j];
    out[i][j] = s;
  }
  return out;
}

export function invertAffine(m: Mat4): Mat4 {
  const a = m;
  const det =
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  if (det === 0 || !Number.isFinite(det)) throw new Error('singular affine');
  const inv = [
    [(a[1][1] * a[2][2] - a[1][2] * a[2][1]) / det, (a[0][2] * a[2][1] - a[0][1] * a[2][2]) / det, (a[0][1] * a[1][2] - a[0][2] * a[1][1]) / det],
    [(a[1][2] * a[2][0] - a[1][0] * a[2][2]) / det, (a[0][0] * a[2][2] - a[0][2] * a[2][0]) / det, (a[0][2] * a[1][0] - a[0][0] * a[1][2]) / det],
    [(a[1][0] * a[2][1] - a[1][1] * a[2][0]) / det, (a[0][1] * a[2][0] - a[0][0] * a[2][1]) / det, (a[0][0] * a[1][1] - a[0][1] * a[1][0]) / det],
  ];
  const t = [0, 1, 2].map((r) => -(inv[r][0] * a[0][3] + inv[r][1] * a[1][3] + inv[r][2] * a[2][3]));
  return [[...inv[0], t[0]], [...inv[1], t[1]], [...inv[2], t[2]], [0, 0, 0, 1]];
}

/** Eigen-decomposition of a symmetric 3x3 matrix by Jacobi rotations: returns values and column vectors. */
function symEig3(S: number[][]): { values: number[]; vectors: number[][] } {
  const A = S.map((r) => [...r]);
  const V = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = A[0][1] ** 2 + A[0][2] ** 2 + A[1][2] ** 2;
    if (off < 1e-30 * (A[0][0] ** 2 + A[1][1] ** 2 + A[2][2] ** 2 + 1e-300)) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]]) {
      if (A[p][q] === 0) continue;
      const theta = (A[q][q] - A[p][p]) / (2 * A[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = A[k][p], akq = A[k][q];
        A[k][p] = c * akp - s * akq;
        A[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = A[p][k], aqk = A[q][k];
        A[p][k] = c * apk - s * aqk;
        A[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = V[k][p], vkq = V[k][q];
        V[k][p] = c * vkp - s * vkq;
        V[k][q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: [A[0][0], A[1][1], A[2][2]], vectors: V };
}

/**
 * The closest shear-free matrix to M (polar decomposition M = R P, computed as U V^T from the SVD), over the
 * singular values above the rank tolerance, as numpy's svd-based code in nibabel does.
 */
export function polarRotation(M: number[][]): number[][] {
  const MtM = [0, 1, 2].map((i) => [0, 1, 2].map((j) => M[0][i] * M[0][j] + M[1][i] * M[1][j] + M[2][i] * M[2][j]));
  const { values, vectors } = symEig3(MtM);
  const s = values.map((v) => Math.sqrt(Math.max(v, 0)));
  const tol = Math.max(...s) * 3 * 2.220446049250313e-16;
  const R = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let n = 0; n < 3; n++) {
    if (!(s[n] > tol)) continue;
    const v = [vectors[0][n], vectors[1][n], vectors[2][n]];
    const u = [0, 1, 2].map((r) => (M[r][0] * v[0] + M[r][1] * v[1] + M[r][2] * v[2]) / s[n]);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) R[r][c] += u[r] * v[c];
  }
  return R;
}

/**
 * For each voxel axis (i, j, k): the world axis (0 = R-L, 1 = A-P, 2 = S-I) it runs along and its sign,
 * chosen as nibabel's io_orientation does (closest shear-free matrix by polar decomposition, then axes
 * picked in order, each taking its largest remaining world component). null where an axis is degenerate.
 */
export function ioOrientation(affine: Mat4): ([number, 1 | -1] | null)[] {
  const RZS = [0, 1, 2].map((r) => [0, 1, 2].map((c) => affine[r][c]));
  const zooms = [0, 1, 2].map((c) => Math.hypot(RZS[0][c], RZS[1][c], RZS[2][c]) || 1);
  const RS = RZS.map((row) => row.map((v, c) => v / zooms[c]));
  const R = polarRotation(RS);
  const out: ([number, 1 | -1] | null)[] = [];
  for (let inAx = 0; inAx < 3; inAx++) {
    const col = [R[0][inAx], R[1][inAx], R[2][inAx]];
    // numpy allclose(col, 0): |x| <= 1e-8
    if (col.every((v) => Math.abs(v) <= 1e-8)) { out.push(null); continue; }
    let outAx = 0;
    for (let r = 1; r < 3; r++) if (Math.abs(col[r]) > Math.abs(col[outAx])) outAx = r;
    out.push([outAx, col[outAx] < 0 ? -1 : 1]);
    for (let c = 0; c < 3; c++) R[outAx][c] = 0;
  }
  return out;
}

const AXIS_LABELS: [string, string][] = [['L', 'R'], ['P', 'A'], ['I', 'S']];

/** Orientation code such as 'RAS' or 'LPI': the direction each voxel axis i, j, k points to ('?' degenerate). */
export function orientationCode(affine: Mat4): string {
  return ioOrientation(affine)
    .map((o) => (o ? AXIS_LABELS[o[0]][o[1] > 0 ? 1 : 0] : '?'))
    .join('');
}

/** Determinant of the 3x3 part. */
export function det3(m: number[][]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/** Quaternion (a, b, c, d) with a >= 0 of a rotation matrix (Shepperd's method). */
export function rotationToQuatern(R: number[][]): [number, number, number, number] {
  const t = R[0][0] + R[1][1] + R[2][2];
  let a: number, b: number, c: number, d: number;
  if (t > 0) {
    const s = Math.sqrt(t + 1) * 2;
    a = 0.25 * s;
    b = (R[2][1] - R[1][2]) / s;
    c = (R[0][2] - R[2][0]) / s;
    d = (R[1][0] - R[0][1]) / s;
  } else if (R[0][0] > R[1][1] && R[0][0] > R[2][2]) {
    const s = Math.sqrt(1 + R[0][0] - R[1][1] - R[2][2]) * 2;
    a = (R[2][1] - R[1][2]) / s;
    b = 0.25 * s;
    c = (R[0][1] + R[1][0]) / s;
    d = (R[0][2] + R[2][0]) / s;
  } else if (R[1][1] > R[2][2]) {
    const s = Math.sqrt(1 + R[1][1] - R[0][0] - R[2][2]) * 2;
    a = (R[0][2] - R[2][0]) / s;
    b = (R[0][1] + R[1][0]) / s;
    c = 0.25 * s;
    d = (R[1][2] + R[2][1]) / s;
  } else {
    const s = Math.sqrt(1 + R[2][2] - R[0][0] - R[1][1]) * 2;
    a = (R[1][0] - R[0][1]) / s;
    b = (R[0][2] + R[2][0]) / s;
    c = (R[1][2] + R[2][1]) / s;
    d = 0.25 * s;
  }
  const n = Math.hypot(a, b, c, d);
  [a, b, c, d] = [a / n, b / n, c / n, d / n];
  if (a < 0) [a, b, c, d] = [-a, -b, -c, -d];
  return [a, b, c, d];
}

/**
 * qform parameters for an affine, as nibabel's set_qform computes them: voxel sizes are the column norms,
 * a negative determinant goes into qfac = -1 (the k axis), the rotation is the nearest orthonormal one.
 */
export function affineToQform(affine: Mat4): { quatern: [number, number, number]; offset: [number, number, number]; pixdim: [number, number, number]; qfac: 1 | -1 } {
  const M = [0, 1, 2].map((r) => [0, 1, 2].map((c) => affine[r][c]));
  const zooms = affineVoxelSizes(affine).map((z) => z || 1);
  const R = M.map((row) => row.map((v, c) => v / zooms[c]));
  let qfac: 1 | -1 = 1;
  if (det3(R) < 0) {
    qfac = -1;
    for (let r = 0; r < 3; r++) R[r][2] = -R[r][2];
  }
  const [, b, c, d] = rotationToQuatern(polarRotation(R));
  return { quatern: [b, c, d], offset: [affine[0][3], affine[1][3], affine[2][3]], pixdim: zooms as [number, number, number], qfac };
}
