/**
 * 3D convolutions on the wasm heap, all three directions, built on XNNPACK's 2D convolution so that
 * no im2col matrix is ever materialised:
 *
 * - forward: the depth taps are folded into the output channels. One XNNPACK call per sample (per
 *   slice when the depth stride is > 1) computes, for every input slice, the 2D convolutions of all
 *   the depth taps that slice feeds ([kh,kw,Ci,T*Co] filter); one JS pass then sums the T partial
 *   slices into each output slice, adds the bias and, for the fused block, accumulates the instance
 *   norm statistics on the way.
 * - backward data, stride 1: the same forward with the flipped, transposed filter.
 * - backward data, stride > 1: a GEMM dY[M',Co] x W^T[Co,K] in row chunks, scattered back (col2im).
 * - backward filter: a 2D convolution whose "image" is x transposed to [Ci, H, W, (n, slice)] and
 *   whose "filter" is dY transposed to [Ho, Wo, (n, slice), Co], with dilation = the stride: its
 *   output [Ci, kh, kw, Co] is exactly the filter gradient of one depth tap.
 */
import type { Heap } from './heap';
import { ConvGeom, padAfter } from './geometry';
import { timed } from '../profile';

/** Scratch of at most this many floats per chunk (64 MB). */
const CHUNK_FLOATS = 1 << 24;

/** Per-(n, co) sums and sums of squares of the output, accumulated when given ([N*Co*2]). */
export type Stats = Float64Array;

function xnnPads(g: ConvGeom): [number, number, number, number] {
  return [g.ph, Math.max(0, padAfter(g.H, g.kh, g.sh, g.ph, g.Ho)), g.pw, Math.max(0, padAfter(g.W, g.kw, g.sw, g.pw, g.Wo))];
}

/**
 * y = conv(x, f) + bias. x, f, bias, out: byte pointers (bias 0 for none); f is DHWIO.
 * With `stats`, sum and sum of squares of y per (n, co) are added into it.
 */
export function convForward(heap: Heap, x: number, f: number, bias: number, g: ConvGeom, out: number, stats?: Stats): void {
  const { N, D, H, W, Ci, Co, kd, kh, kw, sd, pd, Do, Ho, Wo } = g;
  const pix = Ho * Wo;
  const sliceIn = H * W * Ci;
  const conv2 = (xp: number, batch: number, fp: number | { id: number }, co: number, outp: number, bp?: number) =>
    heap.conv2d({ x: xp, batch, h: H, w: W, ci: Ci, filter: fp, kh, kw, co, pads: xnnPads(g), strides: [g.sh, g.sw], dilations: [1, 1], bias: bp, out: outp, ho: Ho, wo: Wo });

  if (kd === 1 && sd === 1 && pd === 0 && Do === D) {
    conv2(x, N * D, f, Co, out, bias || undefined);
    if (stats) statsPass(heap, out, N, Do * pix, Co, stats);
    return;
  }
  if (sd === 1 && Ci < Co) {
    inputFold(heap, x, f, bias, g, out);
    if (stats) statsPass(heap, out, N, Do * pix, Co, stats);
    return;
  }

  // Taps fed by an input slice d are those j with j = d + pd (mod sd): class r = (d + pd) % sd.
  const classes: number[][] = [];
  for (let r = 0; r < sd; r++) classes.push([]);
  for (let j = 0; j < kd; j++) classes[j % sd].push(j);
  const tmax = Math.max(...classes.map((c) => c.length));
  const slot = pix * tmax * Co;
  const kSlice = kh * kw * Ci * Co;
  // Folded filters [kh, kw, Ci, T*Co] per class.
  const fold: number[] = classes.map((taps) => (taps.length ? heap.alloc(kSlice * taps.length) : 0));
  let F = heap.f32;
  const f0 = f >>> 2;
  classes.forEach((taps, r) => {
    if (!taps.length) return;
    const T = taps.length;
    const dst = fold[r] >>> 2;
    for (let t = 0; t < T; t++) {
      const src = f0 + taps[t] * kSlice;
      for (let e = 0; e < kh * kw * Ci; e++) {
        const s = src + e * Co;
        const d = dst + e * T * Co + t * Co;
        for (let c = 0; c < Co; c++) F[d + c] = F[s + c];
      }
    }
  });
  const z = heap.alloc(D * slot);
  const biasOff = bias ? bias >>> 2 : -1;
  const acc = new Float64Array(Co * 2);
  // SIMD summation: scratch = zeros [Co] | f32 partial sums [2Co] | f64 sums [2Co] (8-aligned).
  const simd = Co % 4 === 0 && kd <= 3 ? heap.simd : null;
  const scratch = simd ? heap.alloc(Co * 8) : 0;
  for (let n = 0; n < N; n++) {
    const xn = x + n * D * sliceIn * 4;
    if (sd === 1) {
      conv2(xn, D, fold[0], classes[0].length * Co, z);
    } else {
      for (let d = 0; d < D; d++) {
        const r = (d + pd) % sd;
        if (!classes[r].length) continue;
        conv2(xn + d * sliceIn * 4, 1, fold[r], classes[r].length * Co, z + d * slot * 4);
      }
    }
    F = heap.f32;
    const z0 = z >>> 2;
    for (let o = 0; o < Do; o++) {
      const bases: number[] = [];
      const strides: number[] = [];
      for (let j = 0; j < kd; j++) {
        const d = o * sd + j - pd;
        if (d < 0 || d >= D) continue;
        const r = (d + pd) % sd;
        const T = classes[r].length;
        bases.push(z0 + d * slot + ((j - r) / sd) * Co);
        strides.push(T * Co);
      }
      const y0 = (out >>> 2) + ((n * Do + o) * pix) * Co;
      if (simd) {
        timed('conv.sumSlices', () => {
          const zero = scratch, part = scratch + Co * 4, accP = scratch + Co * 16;
          F.fill(0, zero >>> 2, (zero >>> 2) + Co * 6);
          F.fill(0, accP >>> 2, (accP >>> 2) + Co * 4);
          const b = (i: number) => (i < bases.length ? bases[i] * 4 : zero);
          const st = (i: number) => (i < bases.length ? strides[i] * 4 : 0);
          simd.sumSlices(y0 * 4, pix, Co, b(0), st(0), b(1), st(1), b(2), st(2), bias || zero, stats ? part : 0, accP);
          if (stats) {
            const A = new Float64Array(F.buffer, accP, Co * 2);
            for (let c = 0; c < Co; c++) {
              acc[c * 2] += A[c];
              acc[c * 2 + 1] += A[Co + c];
            }
          }
        });
      } else timed('conv.sumSlices', () => sumSlices(F, bases, strides, y0, pix, Co, biasOff, stats ? acc : null));
    }
    if (stats) {
      for (let c = 0; c < Co; c++) {
        stats[(n * Co + c) * 2] += acc[c * 2];
        stats[(n * Co + c) * 2 + 1] += acc[c * 2 + 1];
      }
      acc.fill(0);
    }
  }
  heap.free(z);
  if (scratch) heap.free(scratch);
  for (const p of fold) if (p) heap.free(p);
}

/**
 * Few input channels (the first layer): fold the depth taps into the input channels instead, so the
 * copy is kd x the small input and XNNPACK writes the output (with bias) directly.
 * xf[n, o, h, w, (j, ci)] = x[n, o + j - pd, h, w, ci] (zero outside), filter [kh, kw, kd*Ci, Co].
 */
function inputFold(heap: Heap, x: number, f: number, bias: number, g: ConvGeom, out: number): void {
  const { N, D, H, W, Ci, Co, kd, kh, kw, pd, Do, Ho, Wo } = g;
  const K = kd * Ci;
  const xf = heap.alloc(N * Do * H * W * K);
  const ff = heap.alloc(kh * kw * K * Co);
  const F = heap.f32;
  timed('conv.inputFold', () => {
    const x0 = x >>> 2, xf0 = xf >>> 2, f0 = f >>> 2, ff0 = ff >>> 2;
    for (let j = 0; j < kd; j++)
      for (let ab = 0; ab < kh * kw; ab++)
        for (let ci = 0; ci < Ci; ci++) {
          const src = f0 + ((j * kh * kw + ab) * Ci + ci) * Co, dst = ff0 + (ab * K + j * Ci + ci) * Co;
          for (let co = 0; co < Co; co++) F[dst + co] = F[src + co];
        }
    const plane = H * W;
    for (let n = 0; n < N; n++)
      for (let o = 0; o < Do; o++) {
        const dst0 = xf0 + (n * Do + o) * plane * K;
        for (let j = 0; j < kd; j++) {
          const d = o + j - pd;
          if (d < 0 || d >= D) {
            for (let p = 0; p < plane; p++) F.fill(0, dst0 + p * K + j * Ci, dst0 + p * K + j * Ci + Ci);
            continue;
          }
          const src0 = x0 + (n * D + d) * plane * Ci;
          for (let p = 0; p < plane; p++) {
            const dst = dst0 + p * K + j * Ci, src = src0 + p * Ci;
            for (let ci = 0; ci < Ci; ci++) F[dst + ci] = F[src + ci];
          }
        }
      }
  });
  heap.conv2d({ x: xf, batch: N * Do, h: H, w: W, ci: K, filter: ff, kh, kw, co: Co, pads: xnnPads(g), strides: [g.sh, g.sw], dilations: [1, 1], bias: bias || undefined, out, ho: Ho, wo: Wo });
  heap.free(ff);
  heap.free(xf);
}

/** Per-(n, c) sums and sums of squares of y [N, pix, Co] into stats (SIMD when it can). */
function statsPass(heap: Heap, y: number, N: number, pix: number, Co: number, stats: Stats): void {
  timed('conv.stats', () => {
    const simd = Co % 4 === 0 ? heap.simd : null;
    if (!simd) return accumulateStats(heap.f32, y >>> 2, N, pix, Co, stats);
    // sumSlices in place with y as its only term: rewrites y unchanged and accumulates the sums.
    const scratch = heap.alloc(Co * 8);
    const zero = scratch, part = scratch + Co * 4, acc = scratch + Co * 16;
    for (let n = 0; n < N; n++) {
      const F = heap.f32;
      F.fill(0, zero >>> 2, (zero >>> 2) + Co * 8);
      const yn = y + n * pix * Co * 4;
      simd.sumSlices(yn, pix, Co, yn, Co * 4, zero, 0, zero, 0, zero, part, acc);
      const A = new Float64Array(F.buffer, acc, Co * 2);
      for (let c = 0; c < Co; c++) {
        stats[(n * Co + c) * 2] += A[c];
        stats[(n * Co + c) * 2 + 1] += A[Co + c];
      }
    }
    heap.free(scratch);
  });
}

/** y[p, c] = bias[c] + sum_i Z[bases[i] + p*strides[i] + c]; optional per-channel sum / sumsq. */
function sumSlices(F: Float32Array, bases: number[], strides: number[], y0: number, pix: number, Co: number, biasOff: number, acc: Float64Array | null): void {
  const nb = bases.length;
  const b0 = nb > 0 ? bases[0] : 0, s0 = nb > 0 ? strides[0] : 0;
  const b1 = nb > 1 ? bases[1] : 0, s1 = nb > 1 ? strides[1] : 0;
  const b2 = nb > 2 ? bases[2] : 0, s2 = nb > 2 ? strides[2] : 0;
  for (let p = 0; p < pix; p++) {
    const yp = y0 + p * Co;
    const a0 = b0 + p * s0, a1 = b1 + p * s1, a2 = b2 + p * s2;
    for (let c = 0; c < Co; c++) {
      let v = biasOff >= 0 ? F[biasOff + c] : 0;
      if (nb === 3) v += F[a0 + c] + F[a1 + c] + F[a2 + c];
      else if (nb === 2) v += F[a0 + c] + F[a1 + c];
      else if (nb === 1) v += F[a0 + c];
      else for (let i = 0; i < nb; i++) v += F[bases[i] + p * strides[i] + c];
      F[yp + c] = v;
      if (acc) {
        acc[c * 2] += v;
        acc[c * 2 + 1] += v * v;
      }
    }
  }
}

function accumulateStats(F: Float32Array, y0: number, N: number, pix: number, Co: number, stats: Stats): void {
  const acc = new Float64Array(Co * 2);
  for (let n = 0; n < N; n++) {
    acc.fill(0);
    let i = y0 + n * pix * Co;
    for (let p = 0; p < pix; p++) {
      for (let c = 0; c < Co; c++) {
        const v = F[i + c];
        acc[c * 2] += v;
        acc[c * 2 + 1] += v * v;
      }
      i += Co;
    }
    for (let c = 0; c < Co * 2; c++) stats[n * Co * 2 + c] += acc[c];
  }
}

/** dx = conv^T(dy, f): dy [N,Do,Ho,Wo,Co], f DHWIO, dx [N,D,H,W,Ci] (byte pointers). */
export function convBackwardData(heap: Heap, dy: number, f: number, g: ConvGeom, dx: number): void {
  if (g.sd === 1 && g.sh === 1 && g.sw === 1) {
    const { kd, kh, kw, Ci, Co } = g;
    const flipped = heap.alloc(kd * kh * kw * Ci * Co);
    const F = heap.f32;
    const s0 = f >>> 2, d0 = flipped >>> 2;
    for (let j = 0; j < kd; j++)
      for (let a = 0; a < kh; a++)
        for (let b = 0; b < kw; b++) {
          const src = s0 + (((kd - 1 - j) * kh + (kh - 1 - a)) * kw + (kw - 1 - b)) * Ci * Co;
          const dst = d0 + ((j * kh + a) * kw + b) * Co * Ci;
          for (let ci = 0; ci < Ci; ci++) for (let co = 0; co < Co; co++) F[dst + co * Ci + ci] = F[src + ci * Co + co];
        }
    const t: ConvGeom = {
      N: g.N, D: g.Do, H: g.Ho, W: g.Wo, Ci: Co, Co: Ci, kd, kh, kw, sd: 1, sh: 1, sw: 1,
      pd: kd - 1 - g.pd, ph: kh - 1 - g.ph, pw: kw - 1 - g.pw, Do: g.D, Ho: g.H, Wo: g.W,
    };
    convForward(heap, dy, flipped, 0, t, dx);
    heap.free(flipped);
    return;
  }
  backwardDataGemm(heap, dy, f, g, dx);
}

function backwardDataGemm(heap: Heap, dy: number, f: number, g: ConvGeom, dx: number): void {
  const { N, D, H, W, Ci, Co, kd, kh, kw, sd, sh, sw, pd, ph, pw, Do, Ho, Wo } = g;
  const K = kd * kh * kw * Ci;
  const wt = heap.alloc(Co * K);
  const rows = N * Do * Ho * Wo;
  const chunk = Math.max(1, Math.min(rows, Math.floor(CHUNK_FLOATS / K)));
  const tbuf = heap.alloc(chunk * K);
  let F = heap.f32;
  const f0 = f >>> 2, w0 = wt >>> 2;
  for (let k = 0; k < K; k++) for (let co = 0; co < Co; co++) F[w0 + co * K + k] = F[f0 + k * Co + co];
  F.fill(0, dx >>> 2, (dx >>> 2) + N * D * H * W * Ci);
  const wtId = heap.alias(wt, Co * K);
  try {
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const m = Math.min(chunk, rows - r0);
      heap.matmul(dy + r0 * Co * 4, m, Co, { id: wtId }, K, tbuf);
      F = heap.f32;
      const t0 = tbuf >>> 2, x0 = dx >>> 2;
      for (let i = 0; i < m; i++) {
        let rem = r0 + i;
        const q = rem % Wo; rem = (rem - q) / Wo;
        const p = rem % Ho; rem = (rem - p) / Ho;
        const o = rem % Do; const n = (rem - o) / Do;
        const wStart = q * sw - pw;
        const bLo = Math.max(0, -wStart), bHi = Math.min(kw, W - wStart);
        if (bHi <= bLo) continue;
        for (let j = 0; j < kd; j++) {
          const dd = o * sd + j - pd;
          if (dd < 0 || dd >= D) continue;
          for (let a = 0; a < kh; a++) {
            const hh = p * sh + a - ph;
            if (hh < 0 || hh >= H) continue;
            const dst = x0 + (((n * D + dd) * H + hh) * W + wStart + bLo) * Ci;
            const src = t0 + i * K + ((j * kh + a) * kw + bLo) * Ci;
            const len = (bHi - bLo) * Ci;
            for (let e = 0; e < len; e++) F[dst + e] += F[src + e];
          }
        }
      }
    }
  } finally {
    heap.drop(wtId);
    heap.free(tbuf);
    heap.free(wt);
  }
}

/**
 * Most kernel taps (output pixels of the forward) in one filter-gradient XNNPACK call. The dy
 * "filter" of a call is re-streamed for every row tile of the GEMM, so bands of rows that keep it
 * near cache run ~20% faster than one call per slice plane (measured 1024 vs 8192 at 64^3).
 */
const MAX_TAPS = Number(process.env.NNSEG_WGRAD_TAPS) || 1024;

/** df = dL/df for y = conv(x, f): x [N,D,H,W,Ci], dy [N,Do,Ho,Wo,Co], df DHWIO (byte pointers). */
export function convBackwardFilter(heap: Heap, x: number, dy: number, g: ConvGeom, df: number): void {
  const { N, D, H, W, Ci, Co, kd, kh, kw, sd, sh, sw, pd, ph, pw, Do, Ho, Wo } = g;
  const kSlice = kh * kw * Ci * Co;
  heap.f32.fill(0, df >>> 2, (df >>> 2) + kd * kSlice);
  // Columns actually read by the forward (trailing ones never are) and the right padding.
  const padR = padAfter(W, kw, sw, pw, Wo);
  const Wu = padR < 0 ? W + padR : W;
  const pr = Math.max(0, padR);
  const bandRows = Math.max(1, Math.min(Ho, Math.floor(MAX_TAPS / Wo)));
  const part = heap.alloc(kSlice);
  for (let r = 0; r < sd; r++) {
    // Depth taps whose input slices are those of residue r: i-th slice of the class is i*sd + r.
    const taps: { j: number; qOff: number; oLo: number; oHi: number }[] = [];
    const Dr = Math.ceil((D - r) / sd);
    if (Dr <= 0) continue;
    for (let j = 0; j < kd; j++) {
      if ((((j - pd) % sd) + sd) % sd !== r) continue;
      const qOff = (j - pd - r) / sd; // class slice index i = o + qOff
      const oLo = Math.max(0, -qOff), oHi = Math.min(Do, Dr - qOff);
      if (oHi > oLo) taps.push({ j, qOff, oLo, oHi });
    }
    if (!taps.length) continue;
    const C = N * Dr;
    for (let h0 = 0; h0 < Ho; h0 += bandRows) {
      const h1 = Math.min(Ho, h0 + bandRows);
      const rowFirst = h0 * sh - ph, rowLast = (h1 - 1) * sh - ph + kh - 1;
      const lo = Math.max(0, rowFirst), hi = Math.min(H - 1, rowLast);
      const padT = lo - rowFirst, padB = rowLast - hi;
      const Hb = hi - lo + 1;
      if (Hb <= 0) continue;
      const fpix = (h1 - h0) * Wo;
      const xt = heap.alloc(Ci * Hb * Wu * C);
      const ft = heap.alloc(fpix * C * Co);
      let F = heap.f32;
      // xt[ci, hb, w, n*Dr + i] = x[n, i*sd + r, lo + hb, w, ci], once for all taps of the class.
      // Blocked over pixels with the slice loop outside: contiguous reads, writes stay in cache.
      timed('wgrad.transposeX', () => {
        const xt0 = xt >>> 2, x0 = x >>> 2;
        const plane = Hb * Wu * C;
        const npix = Hb * Wu;
        const pbX = Math.max(1, Math.floor(65536 / (C * Ci)));
        for (let p0 = 0; p0 < npix; p0 += pbX) {
          const p1 = Math.min(npix, p0 + pbX);
          for (let n = 0; n < N; n++)
            for (let i = 0; i < Dr; i++) {
              const c = n * Dr + i;
              const slice = x0 + ((n * D + i * sd + r) * H + lo) * W * Ci;
              for (let pp = p0; pp < p1; pp++) {
                const hb = (pp / Wu) | 0, w = pp - hb * Wu;
                const src = slice + (hb * W + w) * Ci;
                const dst = xt0 + pp * C + c;
                for (let ci = 0; ci < Ci; ci++) F[dst + ci * plane] = F[src + ci];
              }
            }
        }
      });
      const ft0 = ft >>> 2, ftEnd = ft0 + fpix * C * Co;
      const conv = (img: number, filter: number | { id: number }, j: number) => {
        heap.conv2d({
          x: img, batch: Ci, h: Hb, w: Wu, ci: C, filter, kh: h1 - h0, kw: Wo, co: Co,
          pads: [padT, padB, pw, pr], strides: [1, 1], dilations: [sh, sw], out: part, ho: kh, wo: kw,
        });
        F = heap.f32;
        // part[ci, a, b, co] -> df[j, a, b, ci, co]
        const p0 = part >>> 2, d0 = (df >>> 2) + j * kSlice;
        for (let ci = 0; ci < Ci; ci++)
          for (let ab = 0; ab < kh * kw; ab++) {
            const src = p0 + (ci * kh * kw + ab) * Co;
            const dst = d0 + (ab * Ci + ci) * Co;
            for (let co = 0; co < Co; co++) F[dst + co] += F[src + co];
          }
      };
      const buildFt = (qOff: number, oLo: number, oHi: number) => timed('wgrad.transposeDy', () => {
        // ft[p, n*Dr + i, co] = dy[n, i - qOff, h0 + p, co] (zero where that slice does not exist)
        const dy0 = dy >>> 2;
        F.fill(0, ft0, ftEnd);
        const pbF = Math.max(1, Math.floor(65536 / (C * Co)));
        for (let p0 = 0; p0 < fpix; p0 += pbF) {
          const p1 = Math.min(fpix, p0 + pbF);
          for (let n = 0; n < N; n++)
            for (let o = oLo; o < oHi; o++) {
              const src0 = dy0 + (((n * Do + o) * Ho + h0) * Wo) * Co;
              const dst0 = ft0 + (n * Dr + o + qOff) * Co;
              for (let pp = p0; pp < p1; pp++) {
                const src = src0 + pp * Co, dst = dst0 + pp * C * Co;
                for (let co = 0; co < Co; co++) F[dst + co] = F[src + co];
              }
            }
        }
      });
      // One dy filter for all taps of the class when the widest tap's slices cover the others': the
      // other taps shift the image's slice channels instead (a bulk copy), so XNNPACK transposes and
      // packs the big filter once instead of once per tap.
      const base = taps.reduce((m, t) => (t.oHi - t.oLo > m.oHi - m.oLo ? t : m), taps[0]);
      const shared = taps.every((t) => t.oLo >= base.oLo && t.oHi <= base.oHi);
      if (shared) {
        buildFt(base.qOff, base.oLo, base.oHi);
        const ftId = heap.alias(ft, fpix * C * Co);
        const shifted = taps.length > 1 ? heap.alloc(Ci * Hb * Wu * C) : 0;
        try {
          for (const { j, qOff } of taps) {
            const delta = qOff - base.qOff;
            if (delta !== 0) {
              timed('wgrad.shiftX', () => {
                F = heap.f32;
                const x0 = xt >>> 2, s0 = shifted >>> 2, L = Ci * Hb * Wu * C;
                // shifted[.., n*Dr + i] = xt[.., n*Dr + i + delta], zero where i + delta is outside 0..Dr-1
                if (delta > 0) F.copyWithin(s0, x0 + delta, x0 + L);
                else F.copyWithin(s0 - delta, x0, x0 + L + delta);
                const rows = Ci * Hb * Wu;
                for (let q = 0; q < rows; q++)
                  for (let n = 0; n < N; n++) {
                    const row = s0 + q * C + n * Dr;
                    if (delta > 0) F.fill(0, row + Dr - delta, row + Dr);
                    else F.fill(0, row, row - delta);
                  }
              });
            }
            conv(delta === 0 ? xt : shifted, { id: ftId }, j);
          }
        } finally {
          heap.drop(ftId);
          if (shifted) heap.free(shifted);
        }
      } else {
        let built: number | null = null;
        let prevLo = 0, prevHi = 0;
        for (const { j, qOff, oLo, oHi } of taps) {
          if (built === null) buildFt(qOff, oLo, oHi);
          else {
            timed('wgrad.transposeDy', () => {
              // The next tap's filter is this one moved by (qOff - built) slices: one memmove, then
              // zero the slots whose slice does not exist and copy in the slices the last one lacked.
              const delta = (qOff - (built as number)) * Co;
              if (delta > 0) F.copyWithin(ft0 + delta, ft0, ftEnd - delta);
              else if (delta < 0) F.copyWithin(ft0, ft0 - delta, ftEnd);
              for (let pp = 0; pp < fpix; pp++)
                for (let n = 0; n < N; n++)
                  for (let i = 0; i < Dr; i++) {
                    const o = i - qOff;
                    if (o >= oLo && o < oHi) continue;
                    const dst = ft0 + (pp * C + n * Dr + i) * Co;
                    F.fill(0, dst, dst + Co);
                  }
              const dy0 = dy >>> 2;
              for (let o = oLo; o < oHi; o++) {
                if (o >= prevLo && o < prevHi) continue;
                for (let n = 0; n < N; n++) {
                  const src0 = dy0 + (((n * Do + o) * Ho + h0) * Wo) * Co;
                  const dst0 = ft0 + (n * Dr + o + qOff) * Co;
                  for (let pp = 0; pp < fpix; pp++) F.copyWithin(dst0 + pp * C * Co, src0 + pp * Co, src0 + pp * Co + Co);
                }
              }
            });
          }
          built = qOff;
          prevLo = oLo;
          prevHi = oHi;
          conv(xt, ft, j);
        }
      }
      heap.free(ft);
      heap.free(xt);
    }
  }
  heap.free(part);
}
