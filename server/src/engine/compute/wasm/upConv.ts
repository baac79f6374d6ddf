/**
 * Transposed convolution with kernel = stride (the U-Net's upsampling) on the wasm heap, as GEMMs:
 * each input voxel's T = sd*sh*sw output voxels are one row of X[M,Ci] x Wr[Ci, T*Co], scattered (or,
 * backwards, gathered) in runs of sw*Co contiguous floats. Rows go in chunks to bound scratch memory.
 * Filter layout [kd,kh,kw,Co,Ci] (tf.conv3dTranspose's), viewed as [T*Co, Ci].
 */
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { timed } from '../profile';
import { heapOf } from './convKernels';
import type { BackendWasmLike, Heap } from './heap';

type Args = { inputs: Record<string, TensorInfo>; attrs: NamedAttrMap; backend: BackendWasmLike };

const CHUNK_FLOATS = 1 << 23;

interface UpGeom { N: number; D: number; H: number; W: number; Ci: number; Co: number; sd: number; sh: number; sw: number; T: number }

function upGeom(x: number[], f: number[], strides: number[]): UpGeom {
  const [N, D, H, W, Ci] = x;
  const [sd, sh, sw] = strides;
  if (f[0] !== sd || f[1] !== sh || f[2] !== sw || f[4] !== Ci) throw new Error(`NnsegUpConv: filter ${f} does not match strides ${strides} and ${Ci} input channels`);
  return { N, D, H, W, Ci, Co: f[3], sd, sh, sw, T: sd * sh * sw };
}

/** Calls visit(row0, rows, scratchPtr) over chunks of input voxels; scratch holds rows x T*Co floats. */
function chunks(heap: Heap, g: UpGeom, visit: (r0: number, m: number, z: number) => void): void {
  const M = g.N * g.D * g.H * g.W;
  const width = g.T * g.Co;
  const chunk = Math.max(1, Math.min(M, Math.floor(CHUNK_FLOATS / width)));
  const z = heap.alloc(chunk * width);
  for (let r0 = 0; r0 < M; r0 += chunk) visit(r0, Math.min(chunk, M - r0), z);
  heap.free(z);
}

/** Moves rows [r0, r0+m) between the GEMM layout z[m, (a,b,c,co)] and the volume y (NDHWC). */
function shuffle(F: Float32Array, g: UpGeom, r0: number, m: number, z0: number, y0: number, toVolume: boolean): void {
  const { D, H, W, Co, sd, sh, sw, T } = g;
  const run = sw * Co;
  const Hy = H * sh, Wy = W * sw, Dy = D * sd;
  for (let i = 0; i < m; i++) {
    let rem = r0 + i;
    const w = rem % W; rem = (rem - w) / W;
    const h = rem % H; rem = (rem - h) / H;
    const d = rem % D; const n = (rem - d) / D;
    const zrow = z0 + i * T * Co;
    for (let a = 0; a < sd; a++)
      for (let b = 0; b < sh; b++) {
        const yo = y0 + (((n * Dy + d * sd + a) * Hy + h * sh + b) * Wy + w * sw) * Co;
        const zo = zrow + (a * sh + b) * run;
        if (toVolume) for (let e = 0; e < run; e++) F[yo + e] = F[zo + e];
        else for (let e = 0; e < run; e++) F[zo + e] = F[yo + e];
      }
  }
}

export const upConvForward: KernelFunc = (args) => {
  const { inputs, attrs, backend } = args as unknown as Args;
  const { x, filter } = inputs;
  const g = upGeom(x.shape, filter.shape, attrs.strides as number[]);
  const heap = heapOf(backend);
  const y = heap.output([g.N, g.D * g.sd, g.H * g.sh, g.W * g.sw, g.Co]);
  try {
    const width = g.T * g.Co;
    const wr = heap.alloc(g.Ci * width);
    let F = heap.f32;
    const f0 = heap.off(filter), w0 = wr >>> 2;
    for (let t = 0; t < width; t++) for (let ci = 0; ci < g.Ci; ci++) F[w0 + ci * width + t] = F[f0 + t * g.Ci + ci];
    const wrId = heap.alias(wr, g.Ci * width);
    try {
      chunks(heap, g, (r0, m, z) => {
        heap.matmul(heap.ptr(x) + r0 * g.Ci * 4, m, g.Ci, { id: wrId }, width, z);
        F = heap.f32;
        timed('upConv.scatter', () => shuffle(F, g, r0, m, z >>> 2, heap.off(y), true));
      });
    } finally {
      heap.drop(wrId);
    }
  } catch (e) {
    heap.discard([y]);
    throw e;
  } finally {
    heap.release();
  }
  return y;
};

export const upConvBackward: KernelFunc = (args) => {
  const { inputs, attrs, backend } = args as unknown as Args;
  const { dy, x, filter } = inputs;
  const g = upGeom(x.shape, filter.shape, attrs.strides as number[]);
  const heap = heapOf(backend);
  const dx = heap.output(x.shape), df = heap.output(filter.shape);
  try {
    const width = g.T * g.Co;
    const dwr = heap.alloc(g.Ci * width); // [Ci, T*Co] accumulated over chunks
    const part = heap.alloc(g.Ci * width);
    let F = heap.f32;
    F.fill(0, dwr >>> 2, (dwr >>> 2) + g.Ci * width);
    const fId = heap.tensorId(filter);
    chunks(heap, g, (r0, m, z) => {
      F = heap.f32;
      timed('upConv.gather', () => shuffle(F, g, r0, m, z >>> 2, heap.off(dy), false));
      // dx rows = dZ[m, T*Co] x filter[T*Co, Ci]
      heap.matmul(z, m, width, fId, g.Ci, heap.ptr(dx) + r0 * g.Ci * 4);
      // dWr += X^T[Ci, m] x dZ[m, T*Co]
      const xt = heap.alloc(g.Ci * m);
      F = heap.f32;
      const x0 = heap.off(x) + r0 * g.Ci, xt0 = xt >>> 2;
      timed('upConv.transposeX', () => {
        for (let i = 0; i < m; i++) for (let ci = 0; ci < g.Ci; ci++) F[xt0 + ci * m + i] = F[x0 + i * g.Ci + ci];
      });
      heap.matmul(xt, g.Ci, m, z, width, part);
      heap.free(xt);
      F = heap.f32;
      const p0 = part >>> 2, d0 = dwr >>> 2;
      for (let e = 0; e < g.Ci * width; e++) F[d0 + e] += F[p0 + e];
    });
    F = heap.f32;
    const d0 = dwr >>> 2, o0 = heap.off(df);
    for (let t = 0; t < width; t++) for (let ci = 0; ci < g.Ci; ci++) F[o0 + t * g.Ci + ci] = F[d0 + ci * width + t];
  } catch (e) {
    heap.discard([dx, df]);
    throw e;
  } finally {
    heap.release();
  }
  return [dx, df];
};
