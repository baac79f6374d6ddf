#include "jobs.h"

#include <algorithm>
#include <stdexcept>

#include "common.h"
#include "conv.h"
#include "elementwise.h"
#include "loss.h"
#include "norm_act.h"

namespace nnseg {

namespace {

float* arr(Job& j, size_t i, size_t size, const char* what, bool optional = false) {
  if (i >= j.arrays.size()) throw std::invalid_argument(std::string("missing argument: ") + what);
  float* p = j.arrays[i];
  if (!p || j.isInt[i]) {
    if (!p && optional) return nullptr;
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

// The last element a strided walk over `shape` reaches, plus one (strides must be >= 0).
size_t extent(int rank, const int32_t* shape, const int32_t* st, int64_t offset) {
  int64_t e = offset;
  for (int d = 0; d < rank; d++) {
    if (shape[d] <= 0 || st[d] < 0) throw std::invalid_argument("strided spec: sizes must be positive and strides >= 0");
    e += static_cast<int64_t>(shape[d] - 1) * st[d];
  }
  return static_cast<size_t>(e + 1);
}

std::vector<int64_t> i64(const int32_t* p, int n) { return std::vector<int64_t>(p, p + n); }

void needSpec(Job& j, size_t n, const char* what) {
  if (j.spec.size() < n) throw std::invalid_argument(std::string(what) + " spec is too short");
}

// binary([op, rank, shape x rank, aStrides x rank, bStrides x rank], a, b, out)
void opBinary(Job& j) {
  needSpec(j, 2, "binary");
  int op = j.spec[0], rank = j.spec[1];
  if (op < 0 || op > 6 || rank < 1 || rank > 16) throw std::invalid_argument("binary spec: bad op or rank");
  needSpec(j, 2 + 3 * static_cast<size_t>(rank), "binary");
  const int32_t* sh = j.spec.data() + 2;
  size_t n = 1;
  for (int d = 0; d < rank; d++) n *= static_cast<size_t>(std::max(sh[d], 0));
  float* a = arr(j, 0, extent(rank, sh, sh + rank, 0), "a");
  float* b = arr(j, 1, extent(rank, sh, sh + 2 * rank, 0), "b");
  float* out = arr(j, 2, n, "out");
  auto shape = i64(sh, rank), as = i64(sh + rank, rank), bs = i64(sh + 2 * rank, rank);
  binary(static_cast<BinaryOp>(op), rank, shape.data(), as.data(), bs.data(), a, b, out);
}

// unary([op], x, out, alpha)
void opUnary(Job& j) {
  needSpec(j, 1, "unary");
  int op = j.spec[0];
  if (op < 0 || op > 11) throw std::invalid_argument("unary spec: bad op");
  if (j.arrays.size() < 2 || !j.arrays[0] || j.isInt[0]) throw std::invalid_argument("unary: x must be a Float32Array");
  size_t n = j.lengths[0];
  unary(static_cast<UnaryOp>(op), static_cast<int64_t>(n), arr(j, 0, n, "x"), arr(j, 1, n, "out"),
        j.nums.empty() ? 0.f : static_cast<float>(j.nums[0]));
}

// reduce([op, O, R, I], x, out)
void opReduce(Job& j) {
  needSpec(j, 4, "reduce");
  int op = j.spec[0];
  int64_t O = j.spec[1], R = j.spec[2], I = j.spec[3];
  if (op < 0 || op > 3 || O <= 0 || R <= 0 || I <= 0) throw std::invalid_argument("reduce spec: bad op or sizes");
  reduce(static_cast<ReduceOp>(op), O, R, I, arr(j, 0, O * R * I, "x"), arr(j, 1, O * I, "out"));
}

// softmax([rows, C], x, out)
void opSoftmax(Job& j) {
  needSpec(j, 2, "softmax");
  int64_t rows = j.spec[0], C = j.spec[1];
  if (rows <= 0 || C <= 0) throw std::invalid_argument("softmax spec: sizes must be positive");
  softmax(rows, C, arr(j, 0, rows * C, "x"), arr(j, 1, rows * C, "out"));
}

// copy([rank, shape x rank, inStrides x rank, outStrides x rank, inOffset, outOffset], in, out)
void opCopy(Job& j) {
  needSpec(j, 1, "copy");
  int rank = j.spec[0];
  if (rank < 1 || rank > 16) throw std::invalid_argument("copy spec: bad rank");
  needSpec(j, 3 + 3 * static_cast<size_t>(rank), "copy");
  const int32_t* sh = j.spec.data() + 1;
  int64_t inOff = sh[3 * rank], outOff = sh[3 * rank + 1];
  if (inOff < 0 || outOff < 0) throw std::invalid_argument("copy spec: offsets must be >= 0");
  if (j.arrays.size() < 2 || !j.arrays[0] || !j.arrays[1] || j.isInt[0] || j.isInt[1])
    throw std::invalid_argument("copy: in and out must be Float32Arrays");
  if (extent(rank, sh, sh + rank, inOff) > j.lengths[0]) throw std::invalid_argument("copy: the source region is out of bounds");
  if (extent(rank, sh, sh + 2 * rank, outOff) > j.lengths[1]) throw std::invalid_argument("copy: the target region is out of bounds");
  auto shape = i64(sh, rank), is = i64(sh + rank, rank), os = i64(sh + 2 * rank, rank);
  stridedCopy(rank, shape.data(), is.data(), os.data(), inOff, outOff, j.arrays[0], j.arrays[1]);
}

// addN([n], out, in0, in1, ...)
void opAddN(Job& j) {
  needSpec(j, 1, "addN");
  int64_t n = j.spec[0];
  if (n <= 0 || j.arrays.size() < 2) throw std::invalid_argument("addN: needs n > 0, out and at least one input");
  float* out = arr(j, 0, n, "out");
  std::vector<const float*> in;
  for (size_t i = 1; i < j.arrays.size(); i++) in.push_back(arr(j, i, n, "input"));
  addN(n, in, out);
}

// diceCE([N, V, K, doBg, batchDice], logits, labels (Int32Array or Float32Array), loss[1], grad, wDice, wCE, smooth)
void opDiceCE(Job& j) {
  needSpec(j, 5, "diceCE");
  int64_t N = j.spec[0], V = j.spec[1], K = j.spec[2];
  if (N <= 0 || V <= 0 || K <= 0) throw std::invalid_argument("diceCE spec: sizes must be positive");
  const float* logits = arr(j, 0, N * V * K, "logits");
  if (j.arrays.size() < 2 || !j.arrays[1] || j.lengths[1] != static_cast<size_t>(N * V))
    throw std::invalid_argument("diceCE: labels must have N x V elements");
  diceCE(N, V, K, j.spec[3] != 0, j.spec[4] != 0, logits, j.arrays[1], j.isInt[1], num(j, 0, "weightDice"),
         num(j, 1, "weightCE"), num(j, 2, "smooth"), arr(j, 2, 1, "loss"), arr(j, 3, N * V * K, "grad"));
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
      {"binary", opBinary},
      {"unary", opUnary},
      {"reduce", opReduce},
      {"softmax", opSoftmax},
      {"copy", opCopy},
      {"addN", opAddN},
      {"diceCE", opDiceCE},
  };
  return t;
}

void runJob(Job& job) {
  std::lock_guard<std::mutex> g(callLock());
  applyThreadCount();
  opTable().at(job.op).run(job);
}

}  // namespace nnseg
