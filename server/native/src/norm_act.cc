#include "norm_act.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

// The hot loops are cloned for AVX-512, AVX2 and baseline x86-64 and picked at load time, so the
// addon runs on any x86-64 CPU without -march=native. They live outside the OpenMP regions because
// GCC outlines a region before cloning and the outlined body would not be cloned.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NNSEG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NNSEG_CLONES
#endif

namespace nnseg {

namespace {

// Float partial sums over blocks of rows (vectorised across channels), flushed to double per block.
constexpr int64_t kRowBlock = 128;

NNSEG_CLONES
void sumRows(const float* __restrict p, int64_t rows, int64_t C, double* __restrict sum, double* __restrict sq,
             float* __restrict bs, float* __restrict bq) {
  for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int64_t r1 = std::min(rows, r0 + kRowBlock);
    for (int64_t c = 0; c < C; c++) bs[c] = bq[c] = 0.f;
    for (int64_t r = r0; r < r1; r++) {
      const float* row = p + r * C;
      for (int64_t c = 0; c < C; c++) {
        const float v = row[c];
        bs[c] += v;
        bq[c] += v * v;
      }
    }
    for (int64_t c = 0; c < C; c++) {
      sum[c] += bs[c];
      sq[c] += bq[c];
    }
  }
}

NNSEG_CLONES
void applyRows(const float* __restrict p, int64_t rows, int64_t C, const float* __restrict scale,
               const float* __restrict shift, float slope, float* __restrict out) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = p + r * C;
    float* o = out + r * C;
    for (int64_t c = 0; c < C; c++) {
      float z = row[c] * scale[c] + shift[c];
      o[c] = z > 0.f ? z : z * slope;
    }
  }
}

// sum1 += dz, sum2 += dz * xhat, where dz is dy through the leaky ReLU.
NNSEG_CLONES
void gradSumRows(const float* __restrict dy, const float* __restrict conv, int64_t rows, int64_t C,
                 const float* __restrict scale, const float* __restrict shift, const float* __restrict xs,
                 const float* __restrict xb, float slope, double* __restrict sum1, double* __restrict sum2,
                 float* __restrict b1, float* __restrict b2) {
  for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int64_t r1 = std::min(rows, r0 + kRowBlock);
    for (int64_t c = 0; c < C; c++) b1[c] = b2[c] = 0.f;
    for (int64_t r = r0; r < r1; r++) {
      const float* g = dy + r * C;
      const float* v = conv + r * C;
      for (int64_t c = 0; c < C; c++) {
        const float z = v[c] * scale[c] + shift[c];
        const float dz = z > 0.f ? g[c] : g[c] * slope;
        const float xhat = v[c] * xs[c] + xb[c];
        b1[c] += dz;
        b2[c] += dz * xhat;
      }
    }
    for (int64_t c = 0; c < C; c++) {
      sum1[c] += b1[c];
      sum2[c] += b2[c];
    }
  }
}

// dconv = a * dz + b * xhat + d (per channel a, b, d).
NNSEG_CLONES
void gradApplyRows(const float* __restrict dy, const float* __restrict conv, int64_t rows, int64_t C,
                   const float* __restrict scale, const float* __restrict shift, const float* __restrict xs,
                   const float* __restrict xb, float slope, const float* __restrict a, const float* __restrict b,
                   const float* __restrict d, float* __restrict dconv) {
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * C;
    const float* v = conv + r * C;
    float* o = dconv + r * C;
    for (int64_t c = 0; c < C; c++) {
      float z = v[c] * scale[c] + shift[c];
      float dz = z > 0.f ? g[c] : g[c] * slope;
      float xhat = v[c] * xs[c] + xb[c];
      o[c] = a[c] * dz + b[c] * xhat + d[c];
    }
  }
}

// Splits [0, S) into one contiguous range per thread.
void range(int64_t S, int t, int T, int64_t& lo, int64_t& hi) {
  int64_t per = (S + T - 1) / T;
  lo = std::min<int64_t>(S, per * t);
  hi = std::min<int64_t>(S, lo + per);
}

}  // namespace

// Each thread takes one contiguous range of the N x S rows (two parallel regions per call, not per
// sample), keeping partial sums for every sample its range touches.
void normActForward(int64_t N, int64_t S, int64_t C, const float* conv, const float* gamma, const float* beta, float eps,
                    float slope, float* out, float* mean, float* invStd) {
  const int T = std::max(1, omp_get_max_threads());
  const size_t stride = static_cast<size_t>(N) * 2 * C;
  std::vector<double> part(static_cast<size_t>(T) * stride, 0.0);
  std::vector<float> scale(N * C), shift(N * C);
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    int64_t lo, hi;
    range(N * S, t, omp_get_num_threads(), lo, hi);
    std::vector<float> blk(2 * C);
    for (int64_t r = lo; r < hi;) {
      const int64_t n = r / S, end = std::min(hi, (n + 1) * S);
      double* p = part.data() + t * stride + n * 2 * C;
      sumRows(conv + r * C, end - r, C, p, p + C, blk.data(), blk.data() + C);
      r = end;
    }
  }
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      double s = 0, q = 0;
      for (int t = 0; t < T; t++) {
        s += part[t * stride + n * 2 * C + c];
        q += part[t * stride + n * 2 * C + C + c];
      }
      const double m = s / S;
      const double var = std::max(0.0, q / S - m * m);
      const double is = 1.0 / std::sqrt(var + eps);
      mean[n * C + c] = static_cast<float>(m);
      invStd[n * C + c] = static_cast<float>(is);
      scale[n * C + c] = static_cast<float>(gamma[c] * is);
      shift[n * C + c] = static_cast<float>(beta[c] - m * gamma[c] * is);
    }
#pragma omp parallel num_threads(T)
  {
    int64_t lo, hi;
    range(N * S, omp_get_thread_num(), omp_get_num_threads(), lo, hi);
    for (int64_t r = lo; r < hi;) {
      const int64_t n = r / S, end = std::min(hi, (n + 1) * S);
      applyRows(conv + r * C, end - r, C, scale.data() + n * C, shift.data() + n * C, slope, out + r * C);
      r = end;
    }
  }
}

void normActBackward(int64_t N, int64_t S, int64_t C, const float* dy, const float* conv, const float* mean,
                     const float* invStd, const float* gamma, const float* beta, float slope, float* dconv, float* dgamma,
                     float* dbeta) {
  const int T = std::max(1, omp_get_max_threads());
  const size_t stride = static_cast<size_t>(N) * 2 * C;
  std::vector<double> part(static_cast<size_t>(T) * stride, 0.0);
  std::vector<float> scale(N * C), shift(N * C), xs(N * C), xb(N * C), a(N * C), b(N * C), d(N * C);
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      const double is = invStd[n * C + c], m = mean[n * C + c];
      scale[n * C + c] = static_cast<float>(gamma[c] * is);
      shift[n * C + c] = static_cast<float>(beta[c] - m * gamma[c] * is);
      xs[n * C + c] = static_cast<float>(is);
      xb[n * C + c] = static_cast<float>(-m * is);
    }
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    int64_t lo, hi;
    range(N * S, t, omp_get_num_threads(), lo, hi);
    std::vector<float> blk(2 * C);
    for (int64_t r = lo; r < hi;) {
      const int64_t n = r / S, end = std::min(hi, (n + 1) * S);
      double* p = part.data() + t * stride + n * 2 * C;
      const int64_t o = n * C;
      gradSumRows(dy + r * C, conv + r * C, end - r, C, scale.data() + o, shift.data() + o, xs.data() + o, xb.data() + o,
                  slope, p, p + C, blk.data(), blk.data() + C);
      r = end;
    }
  }
  std::vector<double> dg(C, 0.0), db(C, 0.0);
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      double s1 = 0, s2 = 0;
      for (int t = 0; t < T; t++) {
        s1 += part[t * stride + n * 2 * C + c];
        s2 += part[t * stride + n * 2 * C + C + c];
      }
      db[c] += s1;
      dg[c] += s2;
      const double k = gamma[c] * static_cast<double>(invStd[n * C + c]);
      a[n * C + c] = static_cast<float>(k);
      b[n * C + c] = static_cast<float>(-k * s2 / S);
      d[n * C + c] = static_cast<float>(-k * s1 / S);
    }
#pragma omp parallel num_threads(T)
  {
    int64_t lo, hi;
    range(N * S, omp_get_thread_num(), omp_get_num_threads(), lo, hi);
    for (int64_t r = lo; r < hi;) {
      const int64_t n = r / S, end = std::min(hi, (n + 1) * S);
      const int64_t o = n * C;
      gradApplyRows(dy + r * C, conv + r * C, end - r, C, scale.data() + o, shift.data() + o, xs.data() + o, xb.data() + o,
                    slope, a.data() + o, b.data() + o, d.data() + o, dconv + r * C);
      r = end;
    }
  }
  for (int64_t c = 0; c < C; c++) {
    dgamma[c] = static_cast<float>(dg[c]);
    dbeta[c] = static_cast<float>(db[c]);
  }
}

}  // namespace nnseg
