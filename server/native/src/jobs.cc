#include "jobs.h"

#include <stdexcept>

#include "common.h"
#include "conv.h"
#include "norm_act.h"

namespace nnseg {

namespace {

float* arr(Job& j, size_t i, size_t size, const char* what, bool optional = false) {
  if (i >= j.arrays.size()) throw std::invalid_argument(std::string("missing argument: ") + what);
  float* p = j.arrays[i];
  if (!p) {
    if (optional) return nullptr;
    throw std::invalid_argument(std::string(what) + " must be a Float32Array");
  }
  if (j.lengths[i] != size)
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(j.lengths[i]) + " elements, expected " +
                                std::to_string(size));
  return p;
}

double num(Job& j, size_t i, const char* what) {
  if (i >= j.nums.size()) throw std::invalid_argument(std::string("missing number argument: ") + what);
  return j.nums[i];
}

ConvShape convShape(Job& j) { return ConvShape::fromSpec(j.spec.data(), j.spec.size()); }

struct NSC {
  int64_t N, S, C;
};
NSC nsc(Job& j) {
  if (j.spec.size() < 3 || j.spec[0] <= 0 || j.spec[1] <= 0 || j.spec[2] <= 0)
    throw std::invalid_argument("norm spec must be [N, S, C] with positive sizes");
  return {j.spec[0], j.spec[1], j.spec[2]};
}

// convForward(spec, x, w, bias|null, y)
void opConvForward(Job& j) {
  ConvShape c = convShape(j);
  convForward(c, arr(j, 0, c.srcSize(), "x"), arr(j, 1, c.weightSize(), "filter"), arr(j, 2, c.Co, "bias", true),
              arr(j, 3, c.dstSize(), "y"));
}

// convBackwardData(spec, dy, w, dx)
void opConvBackwardData(Job& j) {
  ConvShape c = convShape(j);
  convBackwardData(c, arr(j, 0, c.dstSize(), "dy"), arr(j, 1, c.weightSize(), "filter"), arr(j, 2, c.srcSize(), "dx"));
}

// convBackwardWeights(spec, x, dy, dw, dbias|null)
void opConvBackwardWeights(Job& j) {
  ConvShape c = convShape(j);
  convBackwardWeights(c, arr(j, 0, c.srcSize(), "x"), arr(j, 1, c.dstSize(), "dy"), arr(j, 2, c.weightSize(), "dfilter"),
                      arr(j, 3, c.Co, "dbias", true));
}

// normActForward([N,S,C], conv, gamma, beta, out, mean, invStd, eps, slope)
void opNormActForward(Job& j) {
  NSC s = nsc(j);
  size_t n = s.N * s.S * s.C;
  normActForward(s.N, s.S, s.C, arr(j, 0, n, "conv"), arr(j, 1, s.C, "gamma"), arr(j, 2, s.C, "beta"),
                 static_cast<float>(num(j, 0, "eps")), static_cast<float>(num(j, 1, "slope")), arr(j, 3, n, "out"),
                 arr(j, 4, s.N * s.C, "mean"), arr(j, 5, s.N * s.C, "invStd"));
}

// normActBackward([N,S,C], dy, conv, mean, invStd, gamma, beta, dconv, dgamma, dbeta, slope)
void opNormActBackward(Job& j) {
  NSC s = nsc(j);
  size_t n = s.N * s.S * s.C;
  normActBackward(s.N, s.S, s.C, arr(j, 0, n, "dy"), arr(j, 1, n, "conv"), arr(j, 2, s.N * s.C, "mean"),
                  arr(j, 3, s.N * s.C, "invStd"), arr(j, 4, s.C, "gamma"), arr(j, 5, s.C, "beta"),
                  static_cast<float>(num(j, 0, "slope")), arr(j, 6, n, "dconv"), arr(j, 7, s.C, "dgamma"),
                  arr(j, 8, s.C, "dbeta"));
}

// convNormAct(spec, x, w, bias, gamma, beta, out, conv, mean, invStd, eps, slope)
void opConvNormAct(Job& j) {
  ConvShape c = convShape(j);
  float* conv = arr(j, 6, c.dstSize(), "conv");
  convForward(c, arr(j, 0, c.srcSize(), "x"), arr(j, 1, c.weightSize(), "filter"), arr(j, 2, c.Co, "bias"), conv);
  normActForward(c.N, c.outSpatial(), c.Co, conv, arr(j, 3, c.Co, "gamma"), arr(j, 4, c.Co, "beta"),
                 static_cast<float>(num(j, 0, "eps")), static_cast<float>(num(j, 1, "slope")), arr(j, 5, c.dstSize(), "out"),
                 arr(j, 7, c.N * c.Co, "mean"), arr(j, 8, c.N * c.Co, "invStd"));
}

// convNormActGrad(spec, dy, x, w, conv, mean, invStd, gamma, beta, dx, dw, dbias, dgamma, dbeta, slope)
void opConvNormActGrad(Job& j) {
  ConvShape c = convShape(j);
  static Buffer dconvBuf;
  float* dconv = dconvBuf.floats(c.dstSize());
  normActBackward(c.N, c.outSpatial(), c.Co, arr(j, 0, c.dstSize(), "dy"), arr(j, 3, c.dstSize(), "conv"),
                  arr(j, 4, c.N * c.Co, "mean"), arr(j, 5, c.N * c.Co, "invStd"), arr(j, 6, c.Co, "gamma"),
                  arr(j, 7, c.Co, "beta"), static_cast<float>(num(j, 0, "slope")), dconv, arr(j, 11, c.Co, "dgamma"),
                  arr(j, 12, c.Co, "dbeta"));
  const float* w = arr(j, 2, c.weightSize(), "filter");
  convBackwardData(c, dconv, w, arr(j, 8, c.srcSize(), "dx"));
  convBackwardWeights(c, arr(j, 1, c.srcSize(), "x"), dconv, arr(j, 9, c.weightSize(), "dfilter"),
                      arr(j, 10, c.Co, "dbias"));
}

}  // namespace

const std::vector<OpDef>& opTable() {
  static const std::vector<OpDef> t{
      {"convForward", opConvForward},
      {"convBackwardData", opConvBackwardData},
      {"convBackwardWeights", opConvBackwardWeights},
      {"normActForward", opNormActForward},
      {"normActBackward", opNormActBackward},
      {"convNormAct", opConvNormAct},
      {"convNormActGrad", opConvNormActGrad},
  };
  return t;
}

void runJob(Job& job) {
  std::lock_guard<std::mutex> g(callLock());
  applyThreadCount();
  opTable().at(job.op).run(job);
}

}  // namespace nnseg
