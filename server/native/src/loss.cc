#include "loss.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace nnseg {

void diceCE(int64_t N, int64_t V, int64_t K, bool doBg, bool batchDice, const float* L, const void* labels,
            bool labelsInt, double wDice, double wCE, double smooth, float* loss, float* G) {
  const int64_t total = N * V;
  const int64_t groups = batchDice ? 1 : N;
  const int64_t k0 = doBg ? 0 : 1;
  const int T = total * K < (1 << 15) ? 1 : std::max(1, omp_get_max_threads());
  const size_t gk = static_cast<size_t>(groups * K);
  // Per thread: inter, psum, gsum (groups x K each), then ce.
  std::vector<double> part(static_cast<size_t>(T) * (3 * gk + 1), 0.0);
  std::vector<int> bad(T, 0);
  auto label = [&](int64_t i) -> int64_t {
    return labelsInt ? static_cast<const int32_t*>(labels)[i] : static_cast<int64_t>(static_cast<const float*>(labels)[i]);
  };
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t per = (total + nt - 1) / nt, lo = std::min(total, per * t), hi = std::min(total, lo + per);
    double* p = part.data() + static_cast<size_t>(t) * (3 * gk + 1);
    double *inter = p, *psum = p + gk, *gsum = p + 2 * gk;
    double ce = 0;
    for (int64_t i = lo; i < hi; i++) {
      const int64_t gi = batchDice ? 0 : i / V;
      const float* l = L + i * K;
      float* g = G + i * K;
      const int64_t y = label(i);
      if (y < 0 || y >= K) {
        bad[t] = 1;
        continue;
      }
      float mx = l[0];
      for (int64_t k = 1; k < K; k++) mx = std::max(mx, l[k]);
      double s = 0;
      for (int64_t k = 0; k < K; k++) {
        const float e = std::exp(l[k] - mx);
        g[k] = e;
        s += e;
      }
      const double inv = 1.0 / s;
      for (int64_t k = 0; k < K; k++) {
        const double pk = g[k] * inv;
        g[k] = static_cast<float>(pk);
        psum[gi * K + k] += pk;
      }
      inter[gi * K + y] += g[y];
      gsum[gi * K + y] += 1;
      ce -= static_cast<double>(l[y]) - mx - std::log(s);
    }
    p[3 * gk] = ce;
  }
  for (int t = 0; t < T; t++)
    if (bad[t]) throw std::invalid_argument("diceCE: a label is outside [0, number of classes)");
  std::vector<double> inter(gk, 0.0), psum(gk, 0.0), gsum(gk, 0.0);
  double ce = 0;
  for (int t = 0; t < T; t++) {
    const double* p = part.data() + static_cast<size_t>(t) * (3 * gk + 1);
    for (size_t i = 0; i < gk; i++) {
      inter[i] += p[i];
      psum[i] += p[gk + i];
      gsum[i] += p[2 * gk + i];
    }
    ce += p[3 * gk];
  }
  const double count = static_cast<double>(groups * (K - k0));
  double dice = 0;
  std::vector<float> coefY(gk, 0.f), coefP(gk, 0.f);
  for (int64_t g = 0; g < groups; g++)
    for (int64_t k = k0; k < K; k++) {
      const size_t i = static_cast<size_t>(g * K + k);
      const double rawDen = psum[i] + gsum[i] + smooth;
      const double den = std::max(rawDen, 1e-8);
      const double num = 2 * inter[i] + smooth;
      dice += num / den;
      coefY[i] = static_cast<float>((-wDice / count) * (2 / den));
      coefP[i] = rawDen > 1e-8 ? static_cast<float>((-wDice / count) * (-num / (den * den))) : 0.f;
    }
  loss[0] = static_cast<float>(wDice * (-dice / count) + (wCE * ce) / static_cast<double>(total));
  const float ceScale = static_cast<float>(wCE / static_cast<double>(total));
#pragma omp parallel for schedule(static) num_threads(T)
  for (int64_t i = 0; i < total; i++) {
    const int64_t gi = batchDice ? 0 : i / V;
    const int64_t y = label(i);
    float* g = G + i * K;
    const float* cp = coefP.data() + gi * K;
    const float* cy = coefY.data() + gi * K;
    float dot = 0;
    for (int64_t k = 0; k < K; k++) {
      const float gk2 = k < k0 ? 0.f : cp[k] + (k == y ? cy[k] : 0.f);
      dot += g[k] * gk2;
    }
    for (int64_t k = 0; k < K; k++) {
      const float pk = g[k];
      const float gk2 = k < k0 ? 0.f : cp[k] + (k == y ? cy[k] : 0.f);
      g[k] = pk * (gk2 - dot) + ceScale * (pk - (k == y ? 1.f : 0.f));
    }
  }
}

}  // namespace nnseg
