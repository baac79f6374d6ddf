/**
 * Reorientation to the closest canonical RAS+ voxel order (nibabel's as_closest_canonical) and back, so
 * the engine can work in one orientation and write predictions in the input's own.
 */
import type { TypedArray } from './datatypes';
import { type Mat4, ioOrientation, matMul } from './geometry';
import type { NiftiVolume } from './read';

/** For each voxel axis i, j, k of the source: the axis (0, 1, 2 = i, j, k) it becomes, and whether it is flipped. */
export type AxisOrientation = { axis: number; flip: boolean }[];

/** The transform to canonical RAS order for an affine (degenerate axes keep their place, unflipped). */
export function canonicalOrientation(affine: Mat4): AxisOrientation {
  const io = ioOrientation(affine);
  const used = new Set(io.filter((o) => o).map((o) => o![0]));
  const free = [0, 1, 2].filter((w) => !used.has(w));
  return io.map((o) => (o ? { axis: o[0], flip: o[1] < 0 } : { axis: free.shift()!, flip: false }));
}

export function isIdentity(o: AxisOrientation): boolean {
  return o.every((x, a) => x.axis === a && !x.flip);
}

/** The transform that undoes `o`. */
export function invertOrientation(o: AxisOrientation): AxisOrientation {
  const inv: AxisOrientation = new Array(3);
  o.forEach((x, a) => (inv[x.axis] = { axis: a, flip: x.flip }));
  return inv;
}

/**
 * Splits a C-order shape into leading axes, the three spatial axes (z, y, x) and trailing components
 * (RGB / complex of raw reads). Shapes with fewer than three spatial axes get leading 1s.
 */
function splitShape(shape: number[], components: number): { lead: number; dims: [number, number, number] } {
  const s = components > 1 ? shape.slice(0, -1) : shape;
  const padded = s.length < 3 ? [...new Array<number>(3 - s.length).fill(1), ...s] : s;
  const sp = padded.slice(-3);
  const lead = padded.slice(0, -3).reduce((a, b) => a * b, 1);
  return { lead, dims: [sp[2], sp[1], sp[0]] };
}

/**
 * Permutes/flips the spatial axes of a C-order array ([..., z, y, x] or [..., z, y, x, c]); leading axes
 * (time, channels) are carried along. Returns a new array (or the same one when `o` is the identity).
 */
export function reorientData<T extends TypedArray>(data: T, shape: number[], o: AxisOrientation, components = 1): { data: T; shape: number[] } {
  if (isIdentity(o)) return { data, shape: [...shape] };
  const { lead, dims } = splitShape(shape, components);
  const inStride = [components, dims[0] * components, dims[0] * dims[1] * components];
  const outDims = [0, 0, 0];
  const step = [0, 0, 0];
  let start = 0;
  o.forEach((x, a) => {
    outDims[x.axis] = dims[a];
    step[x.axis] = x.flip ? -inStride[a] : inStride[a];
    if (x.flip) start += (dims[a] - 1) * inStride[a];
  });
  const volSize = dims[0] * dims[1] * dims[2] * components;
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const src = data as unknown as ArrayLike<number> & { [i: number]: number };
  const dst = out as unknown as { [i: number]: number };
  let q = 0;
  for (let v = 0; v < lead; v++) {
    const base = v * volSize + start;
    for (let k = 0; k < outDims[2]; k++) {
      const pk = base + k * step[2];
      for (let j = 0; j < outDims[1]; j++) {
        let p = pk + j * step[1];
        if (components === 1) {
          for (let i = 0; i < outDims[0]; i++, p += step[0]) dst[q++] = src[p];
        } else {
          for (let i = 0; i < outDims[0]; i++, p += step[0]) for (let c = 0; c < components; c++) dst[q++] = src[p + c];
        }
      }
    }
  }
  const s = components > 1 ? shape.slice(0, -1) : [...shape];
  const prefix = s.length > 3 ? s.slice(0, -3) : [];
  const spatial = s.length >= 3 ? [outDims[2], outDims[1], outDims[0]] : [outDims[2], outDims[1], outDims[0]].slice(3 - s.length);
  return { data: out, shape: [...prefix, ...spatial, ...(components > 1 ? [components] : [])] };
}

/** The affine of the reoriented grid: new voxel -> old voxel -> world. */
export function reorientAffine(affine: Mat4, o: AxisOrientation, niftiDims: [number, number, number]): Mat4 {
  const T: Mat4 = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]];
  o.forEach((x, a) => {
    T[a][x.axis] = x.flip ? -1 : 1;
    T[a][3] = x.flip ? niftiDims[a] - 1 : 0;
  });
  return matMul(affine, T);
}

/** Spacing ([sz, sy, sx]) after reorientation. */
function reorientSpacing(spacing: number[], o: AxisOrientation): number[] {
  if (spacing.length !== 3) return [...spacing];
  const pix = [spacing[2], spacing[1], spacing[0]];
  const out = [0, 0, 0];
  o.forEach((x, a) => (out[x.axis] = pix[a]));
  return [out[2], out[1], out[0]];
}

export interface Reoriented {
  /** The volume in canonical RAS+ voxel order (header unchanged: it still describes the file). */
  volume: NiftiVolume;
  /** How the file's axes were mapped; pass to reorientFromCanonical to go back. */
  orientation: AxisOrientation;
  /** The file's own spatial dims in NIfTI order [nx, ny, nz]. */
  sourceDims: [number, number, number];
}

function componentsOf(vol: NiftiVolume): number {
  return vol.raw && vol.shape.length > vol.header.dim[0] ? vol.shape[vol.shape.length - 1] : 1;
}

/** Reorders a volume's voxels so that i, j, k run (closest to) R, A, S; as nibabel's as_closest_canonical. */
export function reorientToCanonical(vol: NiftiVolume): Reoriented {
  const o = canonicalOrientation(vol.affine);
  const components = componentsOf(vol);
  const { dims } = splitShape(vol.shape, components);
  const { data, shape } = reorientData(vol.data, vol.shape, o, components);
  return {
    volume: { ...vol, data, shape, spacing: reorientSpacing(vol.spacing, o), affine: reorientAffine(vol.affine, o, dims) },
    orientation: o,
    sourceDims: dims,
  };
}

/** Undoes reorientToCanonical for an array on the canonical grid (e.g. a prediction): back to the file's order. */
export function reorientFromCanonical<T extends TypedArray>(data: T, shape: number[], orientation: AxisOrientation, components = 1): { data: T; shape: number[] } {
  return reorientData(data, shape, invertOrientation(orientation), components);
}
