// Convolutions on tfjs layouts through oneDNN: activations N(D)HWC, filters (D)HWIO, 2 or 3 spatial
// axes. Primitives (and their weight reorders) are created once per shape and kept.
#pragma once

#include <cstdint>
#include <string>

namespace nnseg {

struct ConvShape {
  int nsp = 3;  // spatial axes: 2 or 3
  int64_t N = 0, Ci = 0, Co = 0;
  int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, out[3] = {1, 1, 1}, s[3] = {1, 1, 1};
  int64_t pl[3] = {0, 0, 0}, pr[3] = {0, 0, 0};

  // Parses the Int32Array spec the JS side builds:
  // [nsp, N, Ci, Co, in x3, k x3, out x3, stride x3, padBegin x3, padEnd x3] (unused axes ignored).
  static ConvShape fromSpec(const int32_t* p, size_t n);
  std::string key() const;
  int64_t inSpatial() const { return in[0] * in[1] * (nsp == 3 ? in[2] : 1); }
  int64_t outSpatial() const { return out[0] * out[1] * (nsp == 3 ? out[2] : 1); }
  int64_t kSpatial() const { return k[0] * k[1] * (nsp == 3 ? k[2] : 1); }
  int64_t srcSize() const { return N * inSpatial() * Ci; }
  int64_t dstSize() const { return N * outSpatial() * Co; }
  int64_t weightSize() const { return kSpatial() * Ci * Co; }
  double flops() const { return 2.0 * N * outSpatial() * Co * Ci * kSpatial(); }
};

// y = conv(x, w) (+ bias when bias is not null).
void convForward(const ConvShape& c, const float* x, const float* w, const float* bias, float* y);
// dx = conv backward-data(dy, w).
void convBackwardData(const ConvShape& c, const float* dy, const float* w, float* dx);
// dw = conv backward-weights(x, dy); dbias = sum of dy over batch and space when dbias is not null.
void convBackwardWeights(const ConvShape& c, const float* x, const float* dy, float* dw, float* dbias);

// The oneDNN implementation chosen for a shape, e.g. "brg:avx512_core" (kind: 0 fwd, 1 bwd-data,
// 2 bwd-weights).
std::string convImplName(const ConvShape& c, int kind);
void clearConvCache();

}  // namespace nnseg
