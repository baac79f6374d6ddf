import type { LabelLayer } from './layers';

/**
 * Hooks for the end-to-end tests and the benchmark (window.__nnseg): pixel snapshots of the 2D canvas and
 * timed slice scrolling / label toggling. They only read state or call the same functions the UI calls.
 */
export interface BenchDeps {
  canvas: HTMLCanvasElement;
  moveSlice(delta: number): void;
  drawNow(): void;
  setCrosshairVisible(visible: boolean): void;
  layers: LabelLayer[];
  setLabelHidden(layer: LabelLayer, label: number, hidden: boolean): void;
  setView(id: string): void;
  gotoVoxel(vox: number[]): void;
  /** Zoom and pan per 2D view. */
  transforms(): Record<string, { zoom: number; panX: number; panY: number }>;
  /** Lets a full volume held back by window.__nnsegHoldFull through. */
  releaseFull(): void;
}

function summary(xs: number[]): { median: number; p95: number; max: number; n: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))], max: s[s.length - 1], n: s.length };
}

export function installBench(d: BenchDeps): void {
  const pixels = (): { data: Uint8ClampedArray; W: number; H: number } => {
    // Without the crosshair: only the image and the labels count.
    d.setCrosshairVisible(false);
    d.drawNow();
    const W = d.canvas.width;
    const H = d.canvas.height;
    const data = d.canvas.getContext('2d')!.getImageData(0, 0, W, H).data;
    d.setCrosshairVisible(true);
    d.drawNow();
    return { data, W, H };
  };
  const api = {
    /** Canvas pixels right after a redraw, averaged down to w x h grey levels (0..255), rows top-down. */
    snapshot(w = 64, hgt = 64): { w: number; h: number; gray: number[]; mean: number; std: number } {
      const { data, W, H } = pixels();
      const sum = new Float64Array(w * hgt);
      const cnt = new Float64Array(w * hgt);
      for (let y = 0; y < H; y++) {
        const oy = Math.min(hgt - 1, Math.floor((y * hgt) / H));
        for (let x = 0; x < W; x++) {
          const ox = Math.min(w - 1, Math.floor((x * w) / W));
          const i = (y * W + x) * 4;
          sum[oy * w + ox] += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
          cnt[oy * w + ox]++;
        }
      }
      const gray = Array.from(sum, (s, i) => (cnt[i] ? s / cnt[i] : 0));
      const mean = gray.reduce((a, b) => a + b, 0) / gray.length;
      const std = Math.sqrt(gray.reduce((a, b) => a + (b - mean) ** 2, 0) / gray.length);
      return { w, h: hgt, gray, mean, std };
    },
    /** Pixels whose r, g, b differ: overlay colour on the grey image. */
    colorPixels(): number {
      const { data } = pixels();
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const r = data[i];
        const g = data[i + 1];
        const b = data[i + 2];
        if (Math.max(Math.abs(r - g), Math.abs(g - b), Math.abs(r - b)) > 40) n++;
      }
      return n;
    },
    /** Time per redraw while scrolling `n` slices (recompute the slice + draw the canvas). */
    scroll(n = 60): ReturnType<typeof summary> {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        d.moveSlice(i < n / 2 ? 1 : -1);
        times.push(performance.now() - t);
      }
      return summary(times);
    },
    /** Frame-to-frame intervals while scrolling one slice per animation frame. */
    scrollFrames(n = 60): Promise<ReturnType<typeof summary>> {
      return new Promise((resolve) => {
        const stamps: number[] = [];
        let i = 0;
        const step = (t: number) => {
          stamps.push(t);
          if (i++ >= n) {
            resolve(summary(stamps.slice(1).map((s, k) => s - stamps[k])));
            return;
          }
          d.moveSlice(i < n / 2 ? 1 : -1);
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      });
    },
    /** Time to hide (then show) one label of the first overlay and redraw, `n` times. */
    toggle(n = 10, label?: number): ReturnType<typeof summary> {
      const layer = d.layers.find((l) => !l.isImage) ?? d.layers[0];
      const lab = label ?? layer.stats?.[0]?.label ?? 1;
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        d.setLabelHidden(layer, lab, i % 2 === 0);
        d.drawNow();
        times.push(performance.now() - t);
      }
      if (n % 2 === 1) d.setLabelHidden(layer, lab, false);
      return summary(times);
    },
    setView: d.setView,
    gotoVoxel: d.gotoVoxel,
    releaseFull: d.releaseFull,
    transforms: () => JSON.parse(JSON.stringify(d.transforms())) as ReturnType<BenchDeps['transforms']>,
    layers: () => d.layers.map((l) => ({ id: l.id, title: l.title, kind: l.kind, hidden: [...l.hidden], stats: l.stats, comparison: l.comparison })),
  };
  (window as unknown as { __nnseg: typeof api }).__nnseg = api;
}
