#include "elementwise.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace nnseg {

namespace {

// Below this many elements a parallel region costs more than it saves: these loops are memory-bound,
// and on a busy machine a region waits for its slowest thread to be scheduled (often milliseconds).
constexpr int64_t kParallelMin = 1 << 19;
// Long rows are split into blocks of this many elements so one row can use every thread.
constexpr int64_t kBlock = 1 << 14;

int threadsFor(int64_t work) { return work < kParallelMin ? 1 : std::max(1, omp_get_max_threads()); }

void range(int64_t n, int t, int T, int64_t& lo, int64_t& hi) {
  int64_t per = (n + T - 1) / T;
  lo = std::min<int64_t>(n, per * t);
  hi = std::min<int64_t>(n, lo + per);
}

// Walks the rows (all axes but the last) of a strided iteration space in order, keeping one offset per
// operand; rows [lo, hi) go to `row(offsets..., rowIndex)`.
template <int K, class Row>
void forRows(int rank, const int64_t* shape, const int64_t* const* strides, int64_t lo, int64_t hi, Row row) {
  int64_t idx[16] = {0};
  int64_t off[K] = {0};
  int64_t r = lo;
  for (int d = rank - 2; d >= 0; d--) {
    idx[d] = r % shape[d];
    r /= shape[d];
    for (int k = 0; k < K; k++) off[k] += idx[d] * strides[k][d];
  }
  for (int64_t i = lo; i < hi; i++) {
    row(off, i);
    for (int d = rank - 2; d >= 0; d--) {
      idx[d]++;
      for (int k = 0; k < K; k++) off[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (int k = 0; k < K; k++) off[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
}

template <class F>
inline void binaryRow(const float* a, const float* b, float* o, int64_t n, int64_t ia, int64_t ib, F f) {
  if (ia == 1 && ib == 1) {
    for (int64_t j = 0; j < n; j++) o[j] = f(a[j], b[j]);
  } else if (ia == 1 && ib == 0) {
    const float v = b[0];
    for (int64_t j = 0; j < n; j++) o[j] = f(a[j], v);
  } else if (ia == 0 && ib == 1) {
    const float v = a[0];
    for (int64_t j = 0; j < n; j++) o[j] = f(v, b[j]);
  } else {
    for (int64_t j = 0; j < n; j++) o[j] = f(a[j * ia], b[j * ib]);
  }
}

template <class F>
void binaryT(int rank, const int64_t* shape, const int64_t* as, const int64_t* bs, const float* a, const float* b,
             float* out, F f) {
  const int64_t inner = shape[rank - 1], ia = as[rank - 1], ib = bs[rank - 1];
  int64_t outer = 1;
  for (int d = 0; d < rank - 1; d++) outer *= shape[d];
  const int T = threadsFor(outer * inner);
  const int64_t* st[2] = {as, bs};
  if (inner >= kBlock && outer < 4 * T) {
    const int64_t nb = (inner + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) num_threads(T)
    for (int64_t it = 0; it < outer * nb; it++) {
      int64_t row = it / nb, j0 = (it % nb) * kBlock, n = std::min(kBlock, inner - j0);
      forRows<2>(rank, shape, st, row, row + 1, [&](const int64_t* off, int64_t) {
        binaryRow(a + off[0] + j0 * ia, b + off[1] + j0 * ib, out + row * inner + j0, n, ia, ib, f);
      });
    }
    return;
  }
#pragma omp parallel num_threads(T)
  {
    int64_t lo, hi;
    range(outer, omp_get_thread_num(), omp_get_num_threads(), lo, hi);
    if (hi > lo)
      forRows<2>(rank, shape, st, lo, hi, [&](const int64_t* off, int64_t row) {
        binaryRow(a + off[0], b + off[1], out + row * inner, inner, ia, ib, f);
      });
  }
}

inline float nanMax(float x, float y) { return (x > y || x != x) ? x : y; }
inline float nanMin(float x, float y) { return (x < y || x != x) ? x : y; }

template <class F>
void unaryT(int64_t n, const float* x, float* out, F f, bool heavy = false) {
  const int T = threadsFor(heavy ? n * 8 : n);  // transcendental ops are compute-bound
#pragma omp parallel for schedule(static) num_threads(T)
  for (int64_t i = 0; i < n; i++) out[i] = f(x[i]);
}

// Reduces [O, R, I] -> [O, I] with accumulator type A: init, add(acc, v), finish(acc) -> float.
template <class A, class Add, class Fin>
void reduceT(int64_t O, int64_t R, int64_t I, const float* x, float* out, A init, Add add, Fin fin) {
  const int T = threadsFor(O * R * I);
  if (O >= 2 * T || T == 1) {
#pragma omp parallel num_threads(T)
    {
      std::vector<A> acc(I);
      int64_t lo, hi;
      range(O, omp_get_thread_num(), omp_get_num_threads(), lo, hi);
      for (int64_t o = lo; o < hi; o++) {
        std::fill(acc.begin(), acc.end(), init);
        const float* p = x + o * R * I;
        if (I == 1) {
          A s = init;
          for (int64_t r = 0; r < R; r++) s = add(s, p[r]);
          acc[0] = s;
        } else {
          for (int64_t r = 0; r < R; r++)
            for (int64_t i = 0; i < I; i++) acc[i] = add(acc[i], p[r * I + i]);
        }
        for (int64_t i = 0; i < I; i++) out[o * I + i] = fin(acc[i]);
      }
    }
    return;
  }
  // Few outputs: split R over the threads, then combine the partial results in order.
  std::vector<A> part(static_cast<size_t>(T) * I);
  for (int64_t o = 0; o < O; o++) {
    const float* p = x + o * R * I;
    std::fill(part.begin(), part.end(), init);
#pragma omp parallel num_threads(T)
    {
      int t = omp_get_thread_num();
      int64_t lo, hi;
      range(R, t, omp_get_num_threads(), lo, hi);
      A* acc = part.data() + static_cast<size_t>(t) * I;
      if (I == 1) {
        A s = init;
        for (int64_t r = lo; r < hi; r++) s = add(s, p[r]);
        acc[0] = s;
      } else {
        for (int64_t r = lo; r < hi; r++)
          for (int64_t i = 0; i < I; i++) acc[i] = add(acc[i], p[r * I + i]);
      }
    }
    for (int64_t i = 0; i < I; i++) {
      A s = init;
      for (int t = 0; t < T; t++) s = add(s, part[static_cast<size_t>(t) * I + i]);
      out[o * I + i] = fin(s);
    }
  }
}

}  // namespace

void binary(BinaryOp op, int rank, const int64_t* shape, const int64_t* as, const int64_t* bs, const float* a,
            const float* b, float* out) {
  switch (op) {
    case BinaryOp::Add: return binaryT(rank, shape, as, bs, a, b, out, [](float x, float y) { return x + y; });
    case BinaryOp::Sub: return binaryT(rank, shape, as, bs, a, b, out, [](float x, float y) { return x - y; });
    case BinaryOp::Mul: return binaryT(rank, shape, as, bs, a, b, out, [](float x, float y) { return x * y; });
    case BinaryOp::Div: return binaryT(rank, shape, as, bs, a, b, out, [](float x, float y) { return x / y; });
    case BinaryOp::Max: return binaryT(rank, shape, as, bs, a, b, out, nanMax);
    case BinaryOp::Min: return binaryT(rank, shape, as, bs, a, b, out, nanMin);
    case BinaryOp::SquaredDiff:
      return binaryT(rank, shape, as, bs, a, b, out, [](float x, float y) { return (x - y) * (x - y); });
  }
}

void unary(UnaryOp op, int64_t n, const float* x, float* out, float alpha) {
  switch (op) {
    case UnaryOp::Exp: return unaryT(n, x, out, [](float v) { return std::exp(v); }, true);
    case UnaryOp::Log: return unaryT(n, x, out, [](float v) { return std::log(v); }, true);
    case UnaryOp::Neg: return unaryT(n, x, out, [](float v) { return -v; });
    case UnaryOp::Sqrt: return unaryT(n, x, out, [](float v) { return std::sqrt(v); });
    case UnaryOp::Square: return unaryT(n, x, out, [](float v) { return v * v; });
    case UnaryOp::Abs: return unaryT(n, x, out, [](float v) { return std::fabs(v); });
    case UnaryOp::Relu: return unaryT(n, x, out, [](float v) { return v < 0.f ? 0.f : v; });
    case UnaryOp::LeakyRelu: return unaryT(n, x, out, [alpha](float v) { return v < 0.f ? v * alpha : v; });
    case UnaryOp::Sigmoid: return unaryT(n, x, out, [](float v) { return 1.f / (1.f + std::exp(-v)); }, true);
    case UnaryOp::Reciprocal: return unaryT(n, x, out, [](float v) { return 1.f / v; });
    case UnaryOp::Rsqrt: return unaryT(n, x, out, [](float v) { return 1.f / std::sqrt(v); });
    case UnaryOp::Tanh: return unaryT(n, x, out, [](float v) { return std::tanh(v); }, true);
  }
}

void reduce(ReduceOp op, int64_t O, int64_t R, int64_t I, const float* x, float* out) {
  auto id = [](float v) { return v; };
  switch (op) {
    case ReduceOp::Sum:
      return reduceT<double>(O, R, I, x, out, 0.0, [](double s, double v) { return s + v; },
                             [](double s) { return static_cast<float>(s); });
    case ReduceOp::Mean: {
      const double inv = 1.0 / static_cast<double>(R);
      return reduceT<double>(O, R, I, x, out, 0.0, [](double s, double v) { return s + v; },
                             [inv](double s) { return static_cast<float>(s * inv); });
    }
    case ReduceOp::Max:
      return reduceT<float>(O, R, I, x, out, -std::numeric_limits<float>::infinity(), nanMax, id);
    case ReduceOp::Min:
      return reduceT<float>(O, R, I, x, out, std::numeric_limits<float>::infinity(), nanMin, id);
  }
}

void softmax(int64_t rows, int64_t C, const float* x, float* out) {
  const int T = threadsFor(rows * C * 8);
#pragma omp parallel for schedule(static) num_threads(T)
  for (int64_t r = 0; r < rows; r++) {
    const float* p = x + r * C;
    float* o = out + r * C;
    float m = p[0];
    for (int64_t c = 1; c < C; c++) m = nanMax(m, p[c]);
    float s = 0.f;
    for (int64_t c = 0; c < C; c++) {
      o[c] = std::exp(p[c] - m);
      s += o[c];
    }
    const float inv = 1.f / s;
    for (int64_t c = 0; c < C; c++) o[c] *= inv;
  }
}

void stridedCopy(int rank, const int64_t* shape, const int64_t* is, const int64_t* os, int64_t inOffset,
                 int64_t outOffset, const float* in, float* out) {
  const int64_t inner = shape[rank - 1], ii = is[rank - 1], oi = os[rank - 1];
  int64_t outer = 1;
  for (int d = 0; d < rank - 1; d++) outer *= shape[d];
  const int T = threadsFor(outer * inner);
  const int64_t* st[2] = {is, os};
  const float* src = in + inOffset;
  float* dst = out + outOffset;
#pragma omp parallel num_threads(T)
  {
    int64_t lo, hi;
    range(outer, omp_get_thread_num(), omp_get_num_threads(), lo, hi);
    if (hi > lo)
      forRows<2>(rank, shape, st, lo, hi, [&](const int64_t* off, int64_t) {
        const float* s = src + off[0];
        float* d = dst + off[1];
        if (ii == 1 && oi == 1) {
          std::memcpy(d, s, static_cast<size_t>(inner) * sizeof(float));
        } else {
          for (int64_t j = 0; j < inner; j++) d[j * oi] = s[j * ii];
        }
      });
  }
}

void addN(int64_t n, const std::vector<const float*>& in, float* out) {
  const int T = threadsFor(n * static_cast<int64_t>(in.size()));
  const int64_t nb = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) num_threads(T)
  for (int64_t b = 0; b < nb; b++) {
    int64_t j0 = b * kBlock, j1 = std::min(n, j0 + kBlock);
    const float* first = in[0];
    for (int64_t j = j0; j < j1; j++) out[j] = first[j];
    for (size_t k = 1; k < in.size(); k++) {
      const float* p = in[k];
      for (int64_t j = j0; j < j1; j++) out[j] += p[j];
    }
  }
}

}  // namespace nnseg
