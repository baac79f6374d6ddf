/**
 * The viewer's quick preview of a large image (nnseg/imagePreview): the first volume subsampled by
 * whole-number factors per axis to a few MB, with the affine that puts every preview voxel exactly on
 * the world position of the file voxel it was taken from. The viewer draws it while the full file is
 * still on its way through the webview's message channel, then swaps in the full volume.
 *
 * Nearest sampling (no averaging), for images and label maps alike: every preview value is a real voxel
 * of the file, so the percentiles for the auto window, the "is this a label map" guess and the intensity
 * readout agree with the full data, and label values are never blended.
 *
 * The read runs in a worker thread (imagePreviewWorker.ts): inflating a 55 MB .nii.gz takes a second of
 * CPU, which must not stall completions and diagnostics on the language server's event loop.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImagePreviewParams, ImagePreviewResult } from '../protocol';

export type Mat4 = number[][];

/** How the preview grid sits in the file's grid: preview voxel I is file voxel factors * I + offsets. */
export interface PreviewPlan {
  /** File dims (i, j, k), at least 1 each. */
  dims: [number, number, number];
  factors: [number, number, number];
  offsets: [number, number, number];
  /** Preview dims (i, j, k). */
  out: [number, number, number];
}

/** Default size of the preview's voxel data: about 0.2 s through code-server's webview channel. */
export const DEFAULT_PREVIEW_BYTES = 4 * 2 ** 20;

/** Datatypes the webview can hold as they are (its volume.ts), named as the engine's reader names them. */
export const PREVIEW_TYPES = new Set(['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64']);

function outCount(n: number, f: number, c: number): number {
  return Math.floor((n - 1 - c) / f) + 1;
}

/**
 * Subsampling factors for a grid of `dims` voxels of `bytesPerVoxel` bytes whose voxel steps are
 * `stepsMm` (affine column lengths) so that the preview fits in `maxBytes`: the axis with the finest step
 * (in mm, after its current factor) is coarsened first, so the preview's voxels get as close to cubes as
 * whole numbers allow. The sample of each block is its centre voxel (offset floor((f-1)/2)); the last
 * partial block along an axis is dropped only when its centre voxel is outside the file.
 */
export function planPreview(dims: number[], bytesPerVoxel: number, stepsMm: number[], maxBytes = DEFAULT_PREVIEW_BYTES): PreviewPlan {
  const d = [0, 1, 2].map((a) => Math.max(1, Math.floor(dims[a] ?? 1))) as [number, number, number];
  const f: [number, number, number] = [1, 1, 1];
  const offsets = (): [number, number, number] => f.map((x) => Math.floor((x - 1) / 2)) as [number, number, number];
  const count = () => {
    const c = offsets();
    return outCount(d[0], f[0], c[0]) * outCount(d[1], f[1], c[1]) * outCount(d[2], f[2], c[2]);
  };
  const budget = Math.max(1, Math.floor(maxBytes / Math.max(1, bytesPerVoxel)));
  const step = (a: number) => (stepsMm[a] > 0 && Number.isFinite(stepsMm[a]) ? stepsMm[a] : 1) * f[a];
  while (count() > budget) {
    let best = -1;
    for (let a = 0; a < 3; a++) if (f[a] < d[a] && (best < 0 || step(a) < step(best))) best = a;
    if (best < 0) break;
    f[best]++;
  }
  const c = offsets();
  return { dims: d, factors: [...f], offsets: c, out: [outCount(d[0], f[0], c[0]), outCount(d[1], f[1], c[1]), outCount(d[2], f[2], c[2])] };
}

/** The preview's voxel-to-world matrix: the file's affine composed with I -> factors * I + offsets. */
export function previewAffine(affine: Mat4, plan: Pick<PreviewPlan, 'factors' | 'offsets'>): Mat4 {
  const { factors: f, offsets: c } = plan;
  return [0, 1, 2]
    .map((r) => {
      const row = affine[r];
      return [row[0] * f[0], row[1] * f[1], row[2] * f[2], row[3] + row[0] * c[0] + row[1] * c[1] + row[2] * c[2]];
    })
    .concat([[0, 0, 0, 1]]);
}

type Voxels = ArrayLike<number> & { length: number };
type VoxelArrayCtor<T> = { new (n: number): T };

/** Nearest subsampling of a file-order (i fastest) volume by the plan; the output is in the same order. */
export function subsample<T extends Voxels & { [i: number]: number }>(data: Voxels, plan: PreviewPlan, Ctor: VoxelArrayCtor<T>): T {
  const [nx, ny] = plan.dims;
  const [ox, oy, oz] = plan.out;
  const [fx, fy, fz] = plan.factors;
  const [cx, cy, cz] = plan.offsets;
  const out = new Ctor(ox * oy * oz);
  let o = 0;
  for (let k = 0; k < oz; k++) {
    const zk = (fz * k + cz) * nx * ny;
    for (let j = 0; j < oy; j++) {
      const row = zk + (fy * j + cy) * nx + cx;
      for (let i = 0; i < ox; i++) out[o++] = data[row + fx * i];
    }
  }
  return out;
}

/**
 * Runs previews in worker threads, one at a time (the machine's cores are better spent on one read than
 * on several competing ones); a cancelled request stops its worker.
 */
export class PreviewRunner {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly workerFile: string;

  constructor(workerFile = path.join(__dirname, 'imagePreviewWorker.js')) {
    this.workerFile = workerFile;
  }

  run(params: ImagePreviewParams, cancel?: { isCancellationRequested: boolean; onCancellationRequested(cb: () => void): unknown }): Promise<ImagePreviewResult> {
    const job = this.chain.then(() => (cancel?.isCancellationRequested ? { ok: false, error: 'cancelled' } : this.once(params, cancel)));
    this.chain = job.catch(() => undefined);
    return job;
  }

  private once(params: ImagePreviewParams, cancel?: { onCancellationRequested(cb: () => void): unknown }): Promise<ImagePreviewResult> {
    return new Promise((resolve) => {
      const t0 = Date.now();
      let settled = false;
      const worker = new Worker(this.workerFile, { workerData: params });
      const done = (r: ImagePreviewResult) => {
        if (settled) return;
        settled = true;
        resolve(r.ok ? { ...r, ms: { ...r.ms, total: Date.now() - t0 } } : r);
        void worker.terminate();
      };
      cancel?.onCancellationRequested(() => done({ ok: false, error: 'cancelled' }));
      worker.once('message', (r: ImagePreviewResult) => done(r));
      worker.once('error', (e) => done({ ok: false, error: e instanceof Error ? e.message : String(e) }));
      worker.once('exit', (code) => done({ ok: false, error: `the preview worker exited (code ${code}) without an answer` }));
    });
  }
}
