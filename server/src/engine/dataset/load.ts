/**
 * Reading one training case into engine arrays: all channels as Float32Array and the label map as
 * Int16Array, all in one [z, y, x] grid. Bad cases throw a DatasetError naming the file.
 */
import { compareGeometry, readNifti, type NiftiVolume } from '../io';
import type { DatasetCase } from './cases';
import { DatasetError } from './datasetJson';

export interface LoadedCase {
  id: string;
  channels: Float32Array[];
  seg: Int16Array | null;
  shape: number[];
  spacing: number[];
  /** The first channel's volume (header and affine), for writing results back in its geometry. */
  reference: NiftiVolume;
}

function spatial3d(v: NiftiVolume): void {
  const extra = v.shape.slice(0, -3);
  if (v.shape.length < 3 && v.shape.length > 0) {
    // 2D images: treat as one slice
    return;
  }
  if (extra.some((d) => d !== 1)) {
    throw new DatasetError(`${v.file}: expected a 3D image, found shape ${v.shape.join('x')} (one file per channel).`, v.file);
  }
}

function as3d(v: NiftiVolume): { shape: number[]; spacing: number[] } {
  const s = v.shape.slice(-3);
  const sp = v.spacing.slice(-3);
  while (s.length < 3) {
    s.unshift(1);
    sp.unshift(1);
  }
  return { shape: s, spacing: sp };
}

/** Converts a label map to Int16 labels; non-integer or out-of-range values are an error naming the file. */
export function toLabels(v: NiftiVolume): Int16Array {
  const d = v.data;
  if (d instanceof Int16Array) return d;
  const out = new Int16Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const x = Number(d[i]);
    if (!Number.isInteger(x) || x < -32768 || x > 32767) {
      throw new DatasetError(`${v.file}: label maps must hold integers; voxel ${i} is ${x}.`, v.file);
    }
    out[i] = x;
  }
  return out;
}

function extOf(f: string): string {
  const m = /(\.nii\.gz|\.[^./\\]+)$/.exec(f);
  return m ? m[1] : '';
}

export async function loadCase(
  c: DatasetCase | { id: string; images: string[]; label?: string | null },
  opts: { maxBytes?: number; numChannels?: number } = {},
): Promise<LoadedCase> {
  if (c.images.length === 0) throw new DatasetError(`case ${c.id}: no image files found.`);
  if (opts.numChannels !== undefined && c.images.length !== opts.numChannels) {
    const have = new Set(c.images.map((f) => Number(f.slice(-(extOf(f).length + 4), -extOf(f).length))));
    const missing = Array.from({ length: opts.numChannels }, (_, i) => i).filter((i) => !have.has(i));
    const file = c.images[0].replace(/_\d{4}(\.[^/\\]*)$/, `_${String(missing[0] ?? 0).padStart(4, '0')}$1`);
    throw new DatasetError(
      `${file}: missing: case ${c.id} has ${c.images.length} channel file${c.images.length === 1 ? '' : 's'} but dataset.json declares ${opts.numChannels}.`,
      file,
    );
  }
  const vols: NiftiVolume[] = [];
  for (const f of c.images) {
    const v = await readNifti(f, { maxBytes: opts.maxBytes });
    spatial3d(v);
    vols.push(v);
  }
  const ref = vols[0];
  for (const v of vols.slice(1)) {
    const diff = compareGeometry(ref, v);
    if (diff.length) throw new DatasetError(`${v.file}: geometry differs from ${ref.file}: ${diff.map((d) => d.message).join('; ')}.`, v.file);
  }
  let seg: Int16Array | null = null;
  if (c.label) {
    const l = await readNifti(c.label, { raw: true, maxBytes: opts.maxBytes });
    spatial3d(l);
    const diff = compareGeometry(ref, l);
    if (diff.length) throw new DatasetError(`${l.file}: geometry differs from ${ref.file}: ${diff.map((d) => d.message).join('; ')}.`, l.file);
    seg = toLabels(l);
  }
  const { shape, spacing } = as3d(ref);
  const channels = vols.map((v) => {
    const d = v.data as Float32Array;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) throw new DatasetError(`${v.file}: voxel ${i} is ${d[i]} (images must not contain NaN or infinity).`, v.file);
    }
    return d;
  });
  return { id: c.id, channels, seg, shape, spacing, reference: ref };
}
