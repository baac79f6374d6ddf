import type { LabelArray, Shape3 } from './types';

export type Box = [number, number, number, number, number, number];

/** The surface voxels of one label in ref and pred, as linear indices into the (unpadded) box. */
export interface BoxSurfaces {
  /** Box size [bz, by, bx]. */
  dims: Shape3;
  /** Sorted ascending (scan order z, y, x). */
  ref: Int32Array;
  pred: Int32Array;
}

/**
 * Surface = voxels of the mask with at least one of the 6 face neighbours outside the mask; outside the
 * grid counts as outside. The box holds every voxel of both masks, so a neighbour outside the box is
 * outside the mask too: a one-voxel zero pad around the box gives both rules at once. Both masks are
 * coded as bits of one byte array so one neighbour AND finds both surfaces.
 */
export function boxSurfaces(ref: LabelArray, pred: LabelArray, shape: Shape3, label: number, box: Box, ignoreLabel?: number): BoxSurfaces {
  const [z0, y0, x0, z1, y1, x1] = box;
  const bz = z1 - z0 + 1;
  const by = y1 - y0 + 1;
  const bx = x1 - x0 + 1;
  const px = bx + 2;
  const pxy = px * (by + 2);
  const code = new Uint8Array(pxy * (bz + 2));
  const [, ny, nx] = shape;
  const ign = ignoreLabel ?? Number.NaN;
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      let src = ((z + z0) * ny + (y + y0)) * nx + x0;
      let dst = (z + 1) * pxy + (y + 1) * px + 1;
      for (let x = 0; x < bx; x++, src++, dst++) {
        const r = ref[src];
        const c = (r === label ? 1 : 0) | (pred[src] === label && r !== ign ? 2 : 0);
        code[dst] = c;
      }
    }
  }
  // Surface bits: a set bit that the AND of the 6 neighbours lost. Indices go to growable lists in scan order.
  const refList = new GrowableIndex(1024);
  const predList = new GrowableIndex(1024);
  let o = 0;
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      let i = (z + 1) * pxy + (y + 1) * px + 1;
      for (let x = 0; x < bx; x++, i++, o++) {
        const c = code[i];
        if (c === 0) continue;
        const s = c & ~(code[i - 1] & code[i + 1] & code[i - px] & code[i + px] & code[i - pxy] & code[i + pxy]);
        if (s & 1) refList.push(o);
        if (s & 2) predList.push(o);
      }
    }
  }
  const refIdx = refList.array();
  const predIdx = predList.array();
  return { dims: [bz, by, bx], ref: refIdx, pred: predIdx };
}

class GrowableIndex {
  private buf: Int32Array;
  private n = 0;
  constructor(capacity: number) {
    this.buf = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.n === this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }
  array(): Int32Array {
    return this.buf.slice(0, this.n);
  }
}
