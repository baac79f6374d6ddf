/** 4x4 voxel-to-world matrices (row-major number[][]), as NIfTI readers return them. Pure helpers. */

export type Mat4 = number[][];

export function applyAffine(m: Mat4, p: number[]): [number, number, number] {
  const [x, y, z] = p;
  return [0, 1, 2].map((r) => m[r][0] * x + m[r][1] * y + m[r][2] * z + m[r][3]) as [number, number, number];
}

/** Inverse of an affine 4x4 (last row 0 0 0 1); throws when the 3x3 part is singular. */
export function invertAffine(m: Mat4): Mat4 {
  const [a, b, c] = [m[0], m[1], m[2]];
  const det = det3(m);
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new Error('the voxel-to-world matrix is singular');
  const inv: number[][] = [
    [(b[1] * c[2] - b[2] * c[1]) / det, (a[2] * c[1] - a[1] * c[2]) / det, (a[1] * b[2] - a[2] * b[1]) / det],
    [(b[2] * c[0] - b[0] * c[2]) / det, (a[0] * c[2] - a[2] * c[0]) / det, (a[2] * b[0] - a[0] * b[2]) / det],
    [(b[0] * c[1] - b[1] * c[0]) / det, (a[1] * c[0] - a[0] * c[1]) / det, (a[0] * b[1] - a[1] * b[0]) / det],
  ];
  const t = [m[0][3], m[1][3], m[2][3]];
  const out = inv.map((row) => [...row, -(row[0] * t[0] + row[1] * t[1] + row[2] * t[2])]);
  out.push([0, 0, 0, 1]);
  return out;
}

/** |det| of the 3x3 part: the volume of one voxel in mm^3, right for oblique and sheared grids too. */
export function voxelVolumeMm3(m: Mat4): number {
  return Math.abs(det3(m));
}

function det3(m: Mat4): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/** Nearest voxel index of a world point, or undefined outside the grid. */
export function worldToVoxel(inverse: Mat4, mm: number[], dims: number[]): [number, number, number] | undefined {
  const v = applyAffine(inverse, mm).map((x) => Math.round(x)) as [number, number, number];
  for (let i = 0; i < 3; i++) if (v[i] < 0 || v[i] >= dims[i]) return undefined;
  return v;
}
