/**
 * The 2D slice views, drawn on the CPU from the typed arrays: one pass finds the voxel under every
 * sample of the world-aligned plane, a lookup table turns intensities into grey (or a colormap), label
 * layers are blended on top through their own lookup tables. A 512x512 slice takes a few milliseconds,
 * with or without a GPU, and hiding a label only redraws the visible slices.
 */
import { DisplayGrid, Plane, ViewId, planeOf, sampleIndices, viewMarkers, worldToPlane } from '../../../client/src/viewer/displayGrid';
import type { Volume } from './volume';

export interface ImageStyle {
  /** Colormap name (keys the lookup-table cache). */
  name: string;
  lo: number;
  hi: number;
  /** 256 RGBA entries. */
  colormap: Uint8ClampedArray;
}

export interface LabelStyle {
  data: Uint8Array | Uint16Array;
  /** RGBA per label value (alpha 0 = hidden). */
  lut: Uint8ClampedArray;
  opacity: number;
}

export interface Tile {
  view: ViewId;
  /** CSS pixels within the stage. */
  x: number;
  y: number;
  w: number;
  h: number;
}

interface TileCache {
  key: string;
  plane: Plane;
  indices: Int32Array;
  pixels: ImageData;
  canvas: HTMLCanvasElement;
}

export interface ViewTransform {
  zoom: number;
  panX: number;
  panY: number;
}

const isLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
function pack(r: number, g: number, b: number, a: number): number {
  return isLittleEndian ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
}

export class SliceRenderer {
  private readonly caches = new Map<ViewId, TileCache>();
  private lutKey = '';
  private lut?: Uint32Array;
  private labelPlane = new Uint16Array(0);
  readonly transforms = new Map<ViewId, ViewTransform>();

  constructor(
    readonly grid: DisplayGrid,
    readonly image: Volume,
  ) {}

  transform(view: ViewId): ViewTransform {
    let t = this.transforms.get(view);
    if (!t) {
      t = { zoom: 1, panX: 0, panY: 0 };
      this.transforms.set(view, t);
    }
    return t;
  }

  /** Forget cached slice pixels (after a style change); the next draw recomputes them. */
  invalidate(): void {
    for (const c of this.caches.values()) c.key = '';
  }

  /** Intensity lookup for integer images: raw value -> packed RGBA, rebuilt only when the window changes. */
  private imageLut(style: ImageStyle): Uint32Array | undefined {
    const v = this.image;
    const span = v.max - v.min + 1;
    if (!v.isInteger || !(span <= 1 << 18)) return undefined;
    const key = `${style.lo}|${style.hi}|${style.name}`;
    if (key === this.lutKey && this.lut) return this.lut;
    const lut = new Uint32Array(span);
    const scale = 255 / Math.max(1e-12, style.hi - style.lo);
    const cm = style.colormap;
    for (let r = 0; r < span; r++) {
      const val = (r + v.min) * v.slope + v.inter;
      const t = Math.max(0, Math.min(255, Math.round((val - style.lo) * scale)));
      lut[r] = pack(cm[t * 4], cm[t * 4 + 1], cm[t * 4 + 2], 255);
    }
    this.lut = lut;
    this.lutKey = key;
    return lut;
  }

  /** The plane's pixels (image + labels), recomputed only when the slice or the styles changed. */
  render(view: ViewId, radiological: boolean, crosshair: number[], style: ImageStyle, labels: LabelStyle[], outline: boolean, styleVersion: number): TileCache {
    const plane = planeOf(this.grid, view, radiological, crosshair);
    const key = `${plane.slice}|${radiological}|${styleVersion}|${outline}`;
    let c = this.caches.get(view);
    if (c && c.key === key) return c;
    if (!c || c.plane.width !== plane.width || c.plane.height !== plane.height) {
      const canvas = document.createElement('canvas');
      canvas.width = plane.width;
      canvas.height = plane.height;
      c = { key: '', plane, indices: new Int32Array(plane.width * plane.height), pixels: new ImageData(plane.width, plane.height), canvas };
      this.caches.set(view, c);
    }
    c.plane = plane;
    sampleIndices(this.grid, plane, c.indices);
    this.paint(c, style, labels, outline);
    c.canvas.getContext('2d')!.putImageData(c.pixels, 0, 0);
    c.key = key;
    return c;
  }

  private paint(c: TileCache, style: ImageStyle, labels: LabelStyle[], outline: boolean): void {
    const idx = c.indices;
    const n = idx.length;
    const out32 = new Uint32Array(c.pixels.data.buffer);
    const out8 = c.pixels.data;
    const data = this.image.data;
    const black = pack(0, 0, 0, 255);
    const lut = this.imageLut(style);
    if (lut) {
      const mn = this.image.min;
      for (let o = 0; o < n; o++) {
        const i = idx[o];
        out32[o] = i < 0 ? black : lut[data[i] - mn];
      }
    } else {
      const { slope, inter } = this.image;
      const scale = 255 / Math.max(1e-12, style.hi - style.lo);
      const cm = style.colormap;
      for (let o = 0; o < n; o++) {
        const i = idx[o];
        if (i < 0) {
          out32[o] = black;
          continue;
        }
        const val = data[i] * slope + inter;
        let t = Math.round((val - style.lo) * scale);
        t = t < 0 ? 0 : t > 255 ? 255 : Number.isNaN(t) ? 0 : t;
        out32[o] = pack(cm[t * 4], cm[t * 4 + 1], cm[t * 4 + 2], 255);
      }
    }
    const w = c.plane.width;
    if (this.labelPlane.length !== n) this.labelPlane = new Uint16Array(n);
    const lp = this.labelPlane;
    for (const layer of labels) {
      if (layer.opacity <= 0) continue;
      const ld = layer.data;
      const lutl = layer.lut;
      const maxLabel = lutl.length / 4 - 1;
      for (let o = 0; o < n; o++) {
        const i = idx[o];
        lp[o] = i < 0 ? 0 : ld[i];
      }
      for (let o = 0; o < n; o++) {
        const val = lp[o];
        if (val === 0 || val > maxLabel) continue;
        const a0 = lutl[val * 4 + 3];
        if (a0 === 0) continue;
        if (outline) {
          // In-plane outline: a sample whose 4-neighbours all carry the same label is interior.
          const x = o % w;
          const interior = x > 0 && x < w - 1 && o >= w && o < n - w && lp[o - 1] === val && lp[o + 1] === val && lp[o - w] === val && lp[o + w] === val;
          if (interior) continue;
        }
        const a = (a0 / 255) * (outline ? Math.max(layer.opacity, 0.9) : layer.opacity);
        const b = o * 4;
        out8[b] = out8[b] * (1 - a) + lutl[val * 4] * a;
        out8[b + 1] = out8[b + 1] * (1 - a) + lutl[val * 4 + 1] * a;
        out8[b + 2] = out8[b + 2] * (1 - a) + lutl[val * 4 + 2] * a;
      }
    }
  }

  /** Where the plane lands in a tile (CSS px): origin and CSS px per sample, aspect true to mm. */
  placement(tile: Tile, plane: Plane): { ox: number; oy: number; sx: number; sy: number } {
    const wmm = plane.width * plane.du;
    const hmm = plane.height * plane.dv;
    const t = this.transform(tile.view);
    const fit = Math.min((tile.w - 4) / wmm, (tile.h - 4) / hmm) * t.zoom;
    const sx = fit * plane.du;
    const sy = fit * plane.dv;
    const ox = tile.x + tile.w / 2 - (plane.width * sx) / 2 + t.panX;
    const oy = tile.y + tile.h / 2 - (plane.height * sy) / 2 + t.panY;
    return { ox, oy, sx, sy };
  }

  /** Draws a tile: the slice, the crosshair, the orientation letters and the slice number. */
  drawTile(ctx: CanvasRenderingContext2D, tile: Tile, cache: TileCache, crosshair: number[], radiological: boolean, showCrosshair: boolean): void {
    const { plane } = cache;
    const { ox, oy, sx, sy } = this.placement(tile, plane);
    ctx.save();
    ctx.beginPath();
    ctx.rect(tile.x, tile.y, tile.w, tile.h);
    ctx.clip();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cache.canvas, ox, oy, plane.width * sx, plane.height * sy);
    if (showCrosshair) {
      const [u, v] = worldToPlane(this.grid, plane, crosshair);
      const cx = ox + (u + 0.5) * sx;
      const cy = oy + (v + 0.5) * sy;
      const gap = 10;
      ctx.strokeStyle = 'rgba(255, 216, 0, 0.85)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(tile.x, cy + 0.5);
      ctx.lineTo(cx - gap, cy + 0.5);
      ctx.moveTo(cx + gap, cy + 0.5);
      ctx.lineTo(tile.x + tile.w, cy + 0.5);
      ctx.moveTo(cx + 0.5, tile.y);
      ctx.lineTo(cx + 0.5, cy - gap);
      ctx.moveTo(cx + 0.5, cy + gap);
      ctx.lineTo(cx + 0.5, tile.y + tile.h);
      ctx.stroke();
    }
    const m = viewMarkers(tile.view, radiological);
    ctx.fillStyle = 'rgba(255, 255, 255, 0.9)';
    ctx.font = '600 14px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.fillText(m.left, tile.x + 6, tile.y + tile.h / 2);
    ctx.textAlign = 'right';
    ctx.fillText(m.right, tile.x + tile.w - 6, tile.y + tile.h / 2);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(m.top, tile.x + tile.w / 2, tile.y + 4);
    ctx.textBaseline = 'bottom';
    ctx.fillText(m.bottom, tile.x + tile.w / 2, tile.y + tile.h - 4);
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.fillStyle = 'rgba(255, 255, 255, 0.7)';
    const name = tile.view[0].toUpperCase() + tile.view.slice(1);
    ctx.fillText(`${name} ${plane.slice + 1}/${this.grid.axes[plane.axes.s].count}`, tile.x + 6, tile.y + tile.h - 4);
    ctx.restore();
  }

  /** The world point under a CSS pixel of a tile (on the tile's current slice). */
  pick(tile: Tile, crosshair: number[], radiological: boolean, px: number, py: number): [number, number, number] {
    const plane = planeOf(this.grid, tile.view, radiological, crosshair);
    const { ox, oy, sx, sy } = this.placement(tile, plane);
    const u = (px - ox) / sx - 0.5;
    const v = (py - oy) / sy - 0.5;
    const out = [...crosshair] as [number, number, number];
    const hAx = this.grid.axes[plane.axes.h];
    const vAx = this.grid.axes[plane.axes.v];
    const th = plane.axes.hSign > 0 ? u : hAx.count - 1 - u;
    const tv = plane.axes.vSign > 0 ? v : vAx.count - 1 - v;
    out[plane.axes.h] = hAx.min + Math.min(hAx.count - 1, Math.max(0, th)) * hAx.step;
    out[plane.axes.v] = vAx.min + Math.min(vAx.count - 1, Math.max(0, tv)) * vAx.step;
    return out;
  }
}
