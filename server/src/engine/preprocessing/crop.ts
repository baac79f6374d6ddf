/**
 * Cropping to the nonzero region (nnunetv2/preprocessing/cropping/cropping.py): the mask is "any channel
 * nonzero" with holes filled (scipy binary_fill_holes, face connectivity), the crop is its bounding box
 * (the whole image when the mask is empty), and label voxels that are background outside the mask become
 * -1 so normalisation can leave them out.
 */

export type Shape = number[];

export function volumeSize(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Fills holes in a binary mask: background not connected (by faces) to the border becomes foreground. */
export function fillHoles(mask: Uint8Array, shape: Shape): Uint8Array {
  const rank = shape.length;
  const total = mask.length;
  const strides = new Array(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) strides[a] = strides[a + 1] * shape[a + 1];
  const outside = new Uint8Array(total);
  const queue = new Int32Array(total);
  let head = 0;
  let tail = 0;
  const seed = (i: number) => {
    if (!mask[i] && !outside[i]) {
      outside[i] = 1;
      queue[tail++] = i;
    }
  };
  // the border voxels: the first and last index of every line along the last axis, and every voxel of the
  // first and last row/slice along the other axes
  const X = shape[rank - 1];
  const lines = total / X;
  const lineCoord = new Array(Math.max(rank - 1, 0)).fill(0);
  for (let l = 0; l < lines; l++) {
    let onBorder = false;
    for (let a = 0; a < rank - 1; a++) if (lineCoord[a] === 0 || lineCoord[a] === shape[a] - 1) onBorder = true;
    const base = l * X;
    if (onBorder) for (let x = 0; x < X; x++) seed(base + x);
    else {
      seed(base);
      seed(base + X - 1);
    }
    for (let a = rank - 2; a >= 0; a--) {
      if (++lineCoord[a] < shape[a]) break;
      lineCoord[a] = 0;
    }
  }
  while (head < tail) {
    const i = queue[head++];
    let rem = i;
    for (let a = 0; a < rank; a++) {
      const c = Math.floor(rem / strides[a]);
      rem -= c * strides[a];
      if (c > 0) {
        const j = i - strides[a];
        if (!outside[j] && !mask[j]) {
          outside[j] = 1;
          queue[tail++] = j;
        }
      }
      if (c < shape[a] - 1) {
        const j = i + strides[a];
        if (!outside[j] && !mask[j]) {
          outside[j] = 1;
          queue[tail++] = j;
        }
      }
    }
  }
  const out = new Uint8Array(total);
  for (let i = 0; i < total; i++) out[i] = outside[i] ? 0 : 1;
  return out;
}

/** nnU-Net's create_nonzero_mask: any channel != 0, holes filled (fill: false skips that, same bbox). */
export function nonzeroMask(channels: ArrayLike<number>[], shape: Shape, opts: { fill?: boolean } = {}): Uint8Array {
  const total = volumeSize(shape);
  const m = new Uint8Array(total);
  for (const c of channels) for (let i = 0; i < total; i++) if (c[i] !== 0) m[i] = 1;
  return opts.fill === false ? m : fillHoles(m, shape);
}

/** Half-open [start, end) per axis, as acvl_utils' get_bbox_from_mask; the full extent when empty. */
export function bboxOfMask(mask: Uint8Array, shape: Shape): [number, number][] {
  const rank = shape.length;
  if (rank === 3) return bbox3d(mask, shape);
  const lo = shape.map(() => Infinity);
  const hi = shape.map(() => -Infinity);
  const coord = new Array(rank).fill(0);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      for (let a = 0; a < rank; a++) {
        if (coord[a] < lo[a]) lo[a] = coord[a];
        if (coord[a] > hi[a]) hi[a] = coord[a];
      }
    }
    for (let a = rank - 1; a >= 0; a--) {
      if (++coord[a] < shape[a]) break;
      coord[a] = 0;
    }
  }
  return shape.map((s, a) => (lo[a] === Infinity ? [0, s] : [lo[a], hi[a] + 1]));
}

function bbox3d(mask: Uint8Array, shape: Shape): [number, number][] {
  const [Z, Y, X] = shape;
  let z0 = Infinity, z1 = -1, y0 = Infinity, y1 = -1, x0 = Infinity, x1 = -1;
  for (let z = 0, i = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++, i += X) {
      let first = -1;
      let last = -1;
      for (let x = 0; x < X; x++) if (mask[i + x]) { first = x; break; }
      if (first < 0) continue;
      for (let x = X - 1; x >= first; x--) if (mask[i + x]) { last = x; break; }
      if (z < z0) z0 = z;
      z1 = z;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (first < x0) x0 = first;
      if (last > x1) x1 = last;
    }
  }
  if (z1 < 0) return [[0, Z], [0, Y], [0, X]];
  return [[z0, z1 + 1], [y0, y1 + 1], [x0, x1 + 1]];
}

/** Copies the box out of a C-order array. */
export function cropArray<T extends ArrayLike<number> & { constructor: unknown }>(data: T, shape: Shape, bbox: [number, number][]): T {
  const outShape = bbox.map(([a, b]) => b - a);
  const out = new (data.constructor as new (n: number) => T & { [i: number]: number })(volumeSize(outShape));
  const rank = shape.length;
  const strides = new Array(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) strides[a] = strides[a + 1] * shape[a + 1];
  const rowLen = outShape[rank - 1];
  const rows = volumeSize(outShape.slice(0, -1));
  const coord = new Array(Math.max(rank - 1, 0)).fill(0);
  const src = data as unknown as { subarray?: (a: number, b: number) => ArrayLike<number> } & ArrayLike<number>;
  for (let r = 0; r < rows; r++) {
    let off = bbox[rank - 1][0];
    for (let a = 0; a < rank - 1; a++) off += (coord[a] + bbox[a][0]) * strides[a];
    const o = r * rowLen;
    for (let i = 0; i < rowLen; i++) out[o + i] = src[off + i];
    for (let a = rank - 2; a >= 0; a--) {
      if (++coord[a] < outShape[a]) break;
      coord[a] = 0;
    }
  }
  return out;
}

export interface Cropped<L> {
  channels: Float32Array[];
  /** Labels with -1 where the label was background and the voxel lies outside the nonzero mask. */
  seg: L;
  bbox: [number, number][];
  shape: Shape;
}

/** nnU-Net's crop_to_nonzero. Without labels, seg is 0 inside the mask and -1 outside. */
export function cropToNonzero<L extends Int8Array | Int16Array | Int32Array>(
  channels: Float32Array[],
  seg: L | null,
  shape: Shape,
  makeSeg: (n: number) => L,
): Cropped<L> {
  const mask = nonzeroMask(channels, shape);
  const bbox = bboxOfMask(mask, shape);
  const outShape = bbox.map(([a, b]) => b - a);
  const croppedMask = cropArray(mask, shape, bbox);
  const cropped = channels.map((c) => cropArray(c, shape, bbox));
  let s: L;
  if (seg) {
    s = cropArray(seg, shape, bbox);
    for (let i = 0; i < s.length; i++) if (s[i] === 0 && !croppedMask[i]) s[i] = -1;
  } else {
    s = makeSeg(volumeSize(outShape));
    for (let i = 0; i < s.length; i++) s[i] = croppedMask[i] ? 0 : -1;
  }
  return { channels: cropped, seg: s, bbox, shape: outShape };
}
