/**
 * Plain float64 reference implementations (no tfjs) of what the compute kernels compute, for the
 * kernel suite: naive loops, obviously right, independent of any backend. NDHWC / DHWIO layouts.
 */

export type Arr = Float64Array;

export interface Conv {
  x: number[]; // [N, D, H, W, Ci]
  f: number[]; // [kd, kh, kw, Ci, Co]
  strides: number[];
  /** pads before each axis; output sizes given explicitly */
  pads: number[];
  out: number[]; // [Do, Ho, Wo]
}

/** tfjs 'same'/'valid' or symmetric padding, as the kernels define it. */
export function convGeometry(x: number[], f: number[], strides: number[], pad: 'same' | 'valid' | number[]): Conv {
  const sp = x.slice(1, 4);
  const k = f.slice(0, 3);
  if (pad === 'valid') return { x, f, strides, pads: [0, 0, 0], out: sp.map((i, a) => Math.ceil((i - k[a] + 1) / strides[a])) };
  if (pad === 'same') {
    const out = sp.map((i, a) => Math.ceil(i / strides[a]));
    return { x, f, strides, out, pads: sp.map((i, a) => Math.floor(((out[a] - 1) * strides[a] + k[a] - i) / 2)) };
  }
  return { x, f, strides, pads: pad, out: sp.map((i, a) => Math.floor((i + 2 * pad[a] - k[a]) / strides[a]) + 1) };
}

export function conv3d(c: Conv, x: ArrayLike<number>, f: ArrayLike<number>): Arr {
  const [N, D, H, W, Ci] = c.x;
  const [kd, kh, kw, , Co] = c.f;
  const [Do, Ho, Wo] = c.out;
  const y = new Float64Array(N * Do * Ho * Wo * Co);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < Do; o++)
      for (let p = 0; p < Ho; p++)
        for (let q = 0; q < Wo; q++)
          for (let j = 0; j < kd; j++) {
            const d = o * c.strides[0] + j - c.pads[0];
            if (d < 0 || d >= D) continue;
            for (let a = 0; a < kh; a++) {
              const h = p * c.strides[1] + a - c.pads[1];
              if (h < 0 || h >= H) continue;
              for (let b = 0; b < kw; b++) {
                const w = q * c.strides[2] + b - c.pads[2];
                if (w < 0 || w >= W) continue;
                for (let ci = 0; ci < Ci; ci++) {
                  const xv = x[(((n * D + d) * H + h) * W + w) * Ci + ci];
                  const fb = (((j * kh + a) * kw + b) * Ci + ci) * Co;
                  const yb = (((n * Do + o) * Ho + p) * Wo + q) * Co;
                  for (let co = 0; co < Co; co++) y[yb + co] += xv * f[fb + co];
                }
              }
            }
          }
  return y;
}

/** dx and df of sum(conv(x, f) * dy): exact adjoints by the same loops. */
export function conv3dGrads(c: Conv, x: ArrayLike<number>, f: ArrayLike<number>, dy: ArrayLike<number>): { dx: Arr; df: Arr } {
  const [N, D, H, W, Ci] = c.x;
  const [kd, kh, kw, , Co] = c.f;
  const [Do, Ho, Wo] = c.out;
  const dx = new Float64Array(N * D * H * W * Ci), df = new Float64Array(kd * kh * kw * Ci * Co);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < Do; o++)
      for (let p = 0; p < Ho; p++)
        for (let q = 0; q < Wo; q++)
          for (let j = 0; j < kd; j++) {
            const d = o * c.strides[0] + j - c.pads[0];
            if (d < 0 || d >= D) continue;
            for (let a = 0; a < kh; a++) {
              const h = p * c.strides[1] + a - c.pads[1];
              if (h < 0 || h >= H) continue;
              for (let b = 0; b < kw; b++) {
                const w = q * c.strides[2] + b - c.pads[2];
                if (w < 0 || w >= W) continue;
                for (let ci = 0; ci < Ci; ci++) {
                  const xi = (((n * D + d) * H + h) * W + w) * Ci + ci;
                  const fb = (((j * kh + a) * kw + b) * Ci + ci) * Co;
                  const yb = (((n * Do + o) * Ho + p) * Wo + q) * Co;
                  for (let co = 0; co < Co; co++) {
                    dx[xi] += f[fb + co] * dy[yb + co];
                    df[fb + co] += x[xi] * dy[yb + co];
                  }
                }
              }
            }
          }
  return { dx, df };
}

/** conv + bias -> instance norm (per n, c over space; biased variance) -> affine -> leaky ReLU. */
export function convNormAct(c: Conv, x: ArrayLike<number>, f: ArrayLike<number>, bias: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps = 1e-5, slope = 0.01): Arr {
  const z = conv3d(c, x, f);
  const Co = c.f[4], N = c.x[0];
  const S = c.out[0] * c.out[1] * c.out[2];
  for (let n = 0; n < N; n++)
    for (let co = 0; co < Co; co++) {
      let m = 0;
      for (let s = 0; s < S; s++) m += z[(n * S + s) * Co + co] + bias[co];
      m /= S;
      let v = 0;
      for (let s = 0; s < S; s++) v += (z[(n * S + s) * Co + co] + bias[co] - m) ** 2;
      v /= S;
      const is = 1 / Math.sqrt(v + eps);
      for (let s = 0; s < S; s++) {
        const i = (n * S + s) * Co + co;
        const y = (z[i] + bias[co] - m) * is * gamma[co] + beta[co];
        z[i] = y > 0 ? y : y * slope;
      }
    }
  return z;
}

/** Transposed conv, kernel = stride: x [N,D,H,W,Ci], f [sd,sh,sw,Co,Ci], bias [Co]. */
export function upConv(xs: number[], strides: number[], Co: number, x: ArrayLike<number>, f: ArrayLike<number>, bias: ArrayLike<number>): Arr {
  const [N, D, H, W, Ci] = xs;
  const [sd, sh, sw] = strides;
  const y = new Float64Array(N * D * sd * H * sh * W * sw * Co);
  for (let n = 0; n < N; n++)
    for (let d = 0; d < D * sd; d++)
      for (let h = 0; h < H * sh; h++)
        for (let w = 0; w < W * sw; w++)
          for (let co = 0; co < Co; co++) {
            let v = bias[co];
            const a = d % sd, b = h % sh, c = w % sw;
            const xi = (((n * D + (d - a) / sd) * H + (h - b) / sh) * W + (w - c) / sw) * Ci;
            for (let ci = 0; ci < Ci; ci++) v += x[xi + ci] * f[(((a * sh + b) * sw + c) * Co + co) * Ci + ci];
            y[(((n * D * sd + d) * H * sh + h) * W * sw + w) * Co + co] = v;
          }
  return y;
}

/** wDice * soft Dice loss (nnU-Net) + wCE * CE, logits [N, V, K] flattened, labels [N, V]. */
export function diceCE(N: number, V: number, K: number, logits: ArrayLike<number>, labels: ArrayLike<number>, wDice: number, wCE: number, doBg = false, batchDice = false, smooth = 1e-5): number {
  const groups = batchDice ? 1 : N;
  const I = new Float64Array(groups * K), P = new Float64Array(groups * K), G = new Float64Array(groups * K);
  let ce = 0;
  for (let n = 0; n < N; n++)
    for (let v = 0; v < V; v++) {
      const b = (n * V + v) * K;
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, logits[b + k]);
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp(logits[b + k] - mx);
      const y = labels[n * V + v];
      const g = batchDice ? 0 : n;
      for (let k = 0; k < K; k++) {
        const p = Math.exp(logits[b + k] - mx) / s;
        P[g * K + k] += p;
        if (k === y) I[g * K + k] += p;
      }
      G[g * K + y] += 1;
      ce -= logits[b + y] - mx - Math.log(s);
    }
  let dc = 0, cnt = 0;
  for (let g = 0; g < groups; g++)
    for (let k = doBg ? 0 : 1; k < K; k++) {
      dc += (2 * I[g * K + k] + smooth) / Math.max(P[g * K + k] + G[g * K + k] + smooth, 1e-8);
      cnt++;
    }
  return wDice * (-dc / cnt) + (wCE * ce) / (N * V);
}

/** Central finite differences of a scalar function of one input, at the given indices. */
export function finiteDiff(f: (x: Float64Array) => number, x: ArrayLike<number>, indices: number[], h = 1e-4): Map<number, number> {
  const xx = Float64Array.from(x);
  const out = new Map<number, number>();
  for (const i of indices) {
    const v = xx[i];
    xx[i] = v + h;
    const a = f(xx);
    xx[i] = v - h;
    const b = f(xx);
    xx[i] = v;
    out.set(i, (a - b) / (2 * h));
  }
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Deterministic pseudo-random values in [-1, 1). */
export function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** max |a - b| / max |b| (0 when both are all zero). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return s === 0 ? m : m / s;
}
