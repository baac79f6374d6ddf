/**
 * The world-aligned (RAS mm) sampling grid the 2D views are drawn on, and the voxel index behind every
 * screen sample. Pure functions (the webview draws with them, the unit tests check orientation).
 *
 * Every world axis gets the spacing of the voxel axis most aligned with it and covers the voxel centres'
 * bounding box, so for an axis-aligned image (any of the 48 axis orders) each sample lands exactly on a
 * voxel centre, and an oblique or sheared image is resampled (nearest voxel) along true world axes.
 */
import { Mat4, applyAffine, invertAffine } from './affine';

export interface WorldAxis {
  /** World coordinate (mm) of sample 0 and the step between samples. */
  min: number;
  step: number;
  count: number;
}

export interface DisplayGrid {
  dims: [number, number, number];
  affine: Mat4;
  inverse: Mat4;
  /** x (R), y (A), z (S). */
  axes: [WorldAxis, WorldAxis, WorldAxis];
}

export function displayGrid(dims: number[], affine: Mat4): DisplayGrid {
  const d = [Math.max(1, dims[0]), Math.max(1, dims[1] ?? 1), Math.max(1, dims[2] ?? 1)] as [number, number, number];
  const inverse = invertAffine(affine);
  const corners: [number, number, number][] = [];
  for (const i of [0, d[0] - 1]) for (const j of [0, d[1] - 1]) for (const k of [0, d[2] - 1]) corners.push(applyAffine(affine, [i, j, k]));
  const axes = [0, 1, 2].map((w) => {
    // The voxel axis that moves most along world axis w sets the spacing.
    let best = 0;
    for (let p = 1; p < 3; p++) if (Math.abs(affine[w][p]) > Math.abs(affine[w][best])) best = p;
    const col = [affine[0][best], affine[1][best], affine[2][best]];
    const step = Math.hypot(col[0], col[1], col[2]) || 1;
    const lo = Math.min(...corners.map((c) => c[w]));
    const hi = Math.max(...corners.map((c) => c[w]));
    return { min: lo, step, count: Math.max(1, Math.round((hi - lo) / step) + 1) };
  }) as [WorldAxis, WorldAxis, WorldAxis];
  return { dims: d, affine, inverse, axes };
}

export type ViewId = 'axial' | 'coronal' | 'sagittal';

export interface ViewAxes {
  /** World axis along the screen's x (left to right) and its direction (+1: world increases to the right). */
  h: number;
  hSign: 1 | -1;
  /** World axis along the screen's y (top to bottom) and its direction (+1: world increases downwards). */
  v: number;
  vSign: 1 | -1;
  /** World axis across the slice. */
  s: number;
}

/**
 * Screen axes of each view. Radiological: the patient's right (+x) on the screen's left, and sagittal
 * slices seen from the patient's left (anterior on the screen's left). Neurological mirrors both.
 * Superior and anterior are always up.
 */
export function viewAxes(view: ViewId, radiological: boolean): ViewAxes {
  switch (view) {
    case 'axial':
      return { h: 0, hSign: radiological ? -1 : 1, v: 1, vSign: -1, s: 2 };
    case 'coronal':
      return { h: 0, hSign: radiological ? -1 : 1, v: 2, vSign: -1, s: 1 };
    case 'sagittal':
      return { h: 1, hSign: radiological ? -1 : 1, v: 2, vSign: -1, s: 0 };
  }
}

/** Orientation letters at the left, right, top and bottom of a view. */
export function viewMarkers(view: ViewId, radiological: boolean): { left: string; right: string; top: string; bottom: string } {
  const a = viewAxes(view, radiological);
  const pos = ['R', 'A', 'S'];
  const neg = ['L', 'P', 'I'];
  return {
    left: a.hSign > 0 ? neg[a.h] : pos[a.h],
    right: a.hSign > 0 ? pos[a.h] : neg[a.h],
    top: a.vSign > 0 ? neg[a.v] : pos[a.v],
    bottom: a.vSign > 0 ? pos[a.v] : neg[a.v],
  };
}

/** World coordinate of sample t along a world axis. */
export function axisWorld(ax: WorldAxis, t: number): number {
  return ax.min + t * ax.step;
}

/** Nearest sample of a world coordinate (clamped to the grid). */
export function axisSample(ax: WorldAxis, w: number): number {
  return Math.min(ax.count - 1, Math.max(0, Math.round((w - ax.min) / ax.step)));
}

export interface Plane {
  view: ViewId;
  axes: ViewAxes;
  /** Samples across and down. */
  width: number;
  height: number;
  /** mm per sample across and down. */
  du: number;
  dv: number;
  /** Sample index along the slice axis. */
  slice: number;
}

export function planeOf(grid: DisplayGrid, view: ViewId, radiological: boolean, crosshair: number[]): Plane {
  const axes = viewAxes(view, radiological);
  const h = grid.axes[axes.h];
  const v = grid.axes[axes.v];
  return { view, axes, width: h.count, height: v.count, du: h.step, dv: v.step, slice: axisSample(grid.axes[axes.s], crosshair[axes.s]) };
}

/** World point (mm) of plane sample (u, v) (fractional samples allowed: clicks). */
export function planeToWorld(grid: DisplayGrid, p: Plane, u: number, v: number): [number, number, number] {
  const out = [0, 0, 0] as [number, number, number];
  const h = grid.axes[p.axes.h];
  const vv = grid.axes[p.axes.v];
  out[p.axes.h] = axisWorld(h, p.axes.hSign > 0 ? u : h.count - 1 - u);
  out[p.axes.v] = axisWorld(vv, p.axes.vSign > 0 ? v : vv.count - 1 - v);
  out[p.axes.s] = axisWorld(grid.axes[p.axes.s], p.slice);
  return out;
}

/** Plane sample (fractional) of a world point: where the crosshair is drawn. */
export function worldToPlane(grid: DisplayGrid, p: Plane, w: number[]): [number, number] {
  const h = grid.axes[p.axes.h];
  const vv = grid.axes[p.axes.v];
  const th = (w[p.axes.h] - h.min) / h.step;
  const tv = (w[p.axes.v] - vv.min) / vv.step;
  return [p.axes.hSign > 0 ? th : h.count - 1 - th, p.axes.vSign > 0 ? tv : vv.count - 1 - tv];
}

/**
 * The file-order voxel index (i + j*nx + k*nx*ny) under every plane sample, row by row, -1 outside the
 * volume. Incremental: the voxel coordinate is linear in (u, v).
 */
export function sampleIndices(grid: DisplayGrid, p: Plane, out?: Int32Array): Int32Array {
  const n = p.width * p.height;
  const idx = out && out.length === n ? out : new Int32Array(n);
  const p00 = applyAffine(grid.inverse, planeToWorld(grid, p, 0, 0));
  const p10 = applyAffine(grid.inverse, planeToWorld(grid, p, 1, 0));
  const p01 = applyAffine(grid.inverse, planeToWorld(grid, p, 0, 1));
  const du = [p10[0] - p00[0], p10[1] - p00[1], p10[2] - p00[2]];
  const dv = [p01[0] - p00[0], p01[1] - p00[1], p01[2] - p00[2]];
  const [nx, ny, nz] = grid.dims;
  const nxy = nx * ny;
  let o = 0;
  for (let v = 0; v < p.height; v++) {
    const rx = p00[0] + v * dv[0];
    const ry = p00[1] + v * dv[1];
    const rz = p00[2] + v * dv[2];
    for (let u = 0; u < p.width; u++, o++) {
      // +0.5 then floor = round half up, without Math.round's cost; 1e-6 absorbs float round-off.
      const i = Math.floor(rx + u * du[0] + 0.5 + 1e-6);
      const j = Math.floor(ry + u * du[1] + 0.5 + 1e-6);
      const k = Math.floor(rz + u * du[2] + 0.5 + 1e-6);
      idx[o] = i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz ? -1 : i + j * nx + k * nxy;
    }
  }
  return idx;
}

/** Nearest voxel (file order) of a world point, or undefined outside the volume. */
export function nearestVoxel(grid: DisplayGrid, w: number[]): [number, number, number] | undefined {
  const p = applyAffine(grid.inverse, w).map((x) => Math.floor(x + 0.5 + 1e-6)) as [number, number, number];
  for (let a = 0; a < 3; a++) if (p[a] < 0 || p[a] >= grid.dims[a]) return undefined;
  return p;
}
