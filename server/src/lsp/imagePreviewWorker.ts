/**
 * Worker thread of nnseg/imagePreview (see imagePreview.ts): reads the file's first volume with the
 * engine's NIfTI reader, subsamples it and posts one ImagePreviewResult back, then exits.
 */
import * as os from 'node:os';
import * as zlib from 'node:zlib';
import { parentPort, workerData } from 'node:worker_threads';
import type { ImagePreviewParams, ImagePreviewResult } from '../protocol';
import { affineVoxelSizes, readNifti, type TypedArray } from '../engine/io';
import { errorMessage } from '../util/errors';
import { DEFAULT_PREVIEW_BYTES, PREVIEW_TYPES, planPreview, previewAffine, subsample } from './imagePreview';

type ArrayCtor = new (n: number) => TypedArray & { [i: number]: number };

async function preview(p: ImagePreviewParams): Promise<ImagePreviewResult> {
  const t0 = Date.now();
  const vol = await readNifti(p.path, { raw: true, volumes: 0 });
  const h = vol.header;
  const read = Date.now() - t0;
  if (!PREVIEW_TYPES.has(h.datatype)) return { ok: false, error: `no preview for datatype ${h.datatype}` };
  const t1 = Date.now();
  const dims = [1, 2, 3].map((a) => (a <= h.dim[0] ? Math.max(1, h.dim[a]) : 1)) as [number, number, number];
  const plan = planPreview(dims, vol.data.BYTES_PER_ELEMENT, affineVoxelSizes(vol.affine), p.maxBytes ?? DEFAULT_PREVIEW_BYTES);
  const out = subsample(vol.data as unknown as ArrayLike<number>, plan, vol.data.constructor as ArrayCtor);
  const bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  if (os.endianness() === 'BE') swapTo(bytes, out.BYTES_PER_ELEMENT);
  // gzip level 1: ~2.5x smaller for CT in ~40 ms, and the webview channel (~10-17 MB/s) is the bottleneck.
  const packed = zlib.gzipSync(bytes, { level: 1 });
  let frames = 1;
  for (let a = 4; a <= h.dim[0]; a++) frames *= Math.max(1, h.dim[a]);
  return {
    ok: true,
    dims: plan.out,
    affine: previewAffine(vol.affine, plan),
    fileDims: plan.dims,
    fileAffine: vol.affine,
    factors: plan.factors,
    offsets: plan.offsets,
    datatype: h.datatype,
    data: packed.toString('base64'),
    encoding: 'gzip',
    sclSlope: h.sclSlope,
    sclInter: h.sclInter,
    intentCode: h.intentCode,
    frames,
    pixdim: [h.pixdim[1], h.pixdim[2], h.pixdim[3]],
    ms: { read, sample: Date.now() - t1 },
  };
}

/** The wire format is little-endian (what the webview reads on every machine that runs VS Code). */
function swapTo(b: Buffer, size: number): void {
  if (size === 2) b.swap16();
  else if (size === 4) b.swap32();
  else if (size === 8) b.swap64();
}

preview(workerData as ImagePreviewParams).then(
  (r) => parentPort!.postMessage(r),
  (e) => parentPort!.postMessage({ ok: false, error: errorMessage(e) } satisfies ImagePreviewResult),
);
