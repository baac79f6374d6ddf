#include "conv.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <unordered_map>

#include "common.h"

namespace nnseg {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

ConvShape ConvShape::fromSpec(const int32_t* p, size_t n) {
  if (n < 22) throw std::invalid_argument("conv spec must have 22 entries");
  ConvShape c;
  c.nsp = p[0];
  if (c.nsp != 2 && c.nsp != 3) throw std::invalid_argument("conv spec: spatial rank must be 2 or 3");
  c.N = p[1];
  c.Ci = p[2];
  c.Co = p[3];
  for (int i = 0; i < 3; i++) {
    bool used = i < c.nsp;
    c.in[i] = used ? p[4 + i] : 1;
    c.k[i] = used ? p[7 + i] : 1;
    c.out[i] = used ? p[10 + i] : 1;
    c.s[i] = used ? p[13 + i] : 1;
    c.pl[i] = used ? p[16 + i] : 0;
    c.pr[i] = used ? p[19 + i] : 0;
  }
  if (c.N <= 0 || c.Ci <= 0 || c.Co <= 0) throw std::invalid_argument("conv spec: sizes must be positive");
  for (int i = 0; i < c.nsp; i++) {
    if (c.in[i] <= 0 || c.k[i] <= 0 || c.out[i] <= 0 || c.s[i] <= 0)
      throw std::invalid_argument("conv spec: sizes must be positive");
    if (c.pl[i] < 0 || c.pr[i] < 0) throw std::invalid_argument("conv spec: negative padding is not supported");
    if ((c.in[i] + c.pl[i] + c.pr[i] - c.k[i]) / c.s[i] + 1 != c.out[i] || c.in[i] + c.pl[i] + c.pr[i] < c.k[i])
      throw std::invalid_argument("conv spec: output size does not match input, kernel, stride and padding");
  }
  return c;
}

std::string ConvShape::key() const {
  std::ostringstream o;
  o << nsp << ':' << N << ',' << Ci << ',' << Co;
  for (int i = 0; i < nsp; i++) o << '|' << in[i] << ',' << k[i] << ',' << out[i] << ',' << s[i] << ',' << pl[i] << ',' << pr[i];
  return o.str();
}

namespace {

memory::dims spatial(const ConvShape& c, const int64_t* v) { return memory::dims(v, v + c.nsp); }

memory::dims withSpatial(const ConvShape& c, int64_t a, int64_t b, const int64_t* v) {
  memory::dims d{a, b};
  for (int i = 0; i < c.nsp; i++) d.push_back(v[i]);
  return d;
}

tag actTag(const ConvShape& c) { return c.nsp == 3 ? tag::ndhwc : tag::nhwc; }
tag userWeightTag(const ConvShape& c) { return c.nsp == 3 ? tag::dhwio : tag::hwio; }

memory::desc srcMd(const ConvShape& c) { return memory::desc(withSpatial(c, c.N, c.Ci, c.in), dt::f32, actTag(c)); }
memory::desc dstMd(const ConvShape& c) { return memory::desc(withSpatial(c, c.N, c.Co, c.out), dt::f32, actTag(c)); }
memory::desc weightsMd(const ConvShape& c, tag t) { return memory::desc(withSpatial(c, c.Co, c.Ci, c.k), dt::f32, t); }
memory::desc biasMd(const ConvShape& c) { return memory::desc({c.Co}, dt::f32, tag::x); }

dnnl::primitive_attr userScratchpad() {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return a;
}

Buffer& scratchpad() {
  static Buffer b;
  return b;
}

memory scratchMem(const memory::desc& md) {
  return memory(md, cpuEngine(), scratchpad().bytes(md.get_size() > 0 ? md.get_size() : 64));
}

memory wrap(const memory::desc& md, const void* p) { return memory(md, cpuEngine(), const_cast<void*>(p)); }

// Weight reorders are small and memory-bound: one thread, so a busy machine cannot stall them on a
// barrier waiting for a second thread to be scheduled.
struct SerialRegion {
  int saved;
  SerialRegion() : saved(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~SerialRegion() { omp_set_num_threads(saved); }
};

// A reorder between the tfjs weight layout and the one a primitive prefers, with the buffer that
// holds the primitive-side copy.
struct WeightReorder {
  bool needed = false;
  memory::desc user, prim;
  dnnl::reorder op;
  Buffer buf;
  void init(const memory::desc& u, const memory::desc& p, bool toPrim) {
    user = u;
    prim = p;
    needed = !(u == p);
    if (needed) {
      auto& e = cpuEngine();
      op = toPrim ? dnnl::reorder(dnnl::reorder::primitive_desc(e, u, e, p)) : dnnl::reorder(dnnl::reorder::primitive_desc(e, p, e, u));
    }
  }
  // Returns the primitive-side memory for user weights (reordering them in when needed).
  memory in(const float* w) {
    if (!needed) return wrap(user, w);
    memory dst(prim, cpuEngine(), buf.bytes(prim.get_size()));
    SerialRegion one;
    op.execute(cpuStream(), {{DNNL_ARG_FROM, wrap(user, w)}, {DNNL_ARG_TO, dst}});
    cpuStream().wait();
    return dst;
  }
  // Primitive-side memory to compute into; out() copies it to the user buffer.
  memory target(float* w) { return needed ? memory(prim, cpuEngine(), buf.bytes(prim.get_size())) : wrap(user, w); }
  void out(const memory& m, float* w) {
    if (!needed) return;
    SerialRegion one;
    op.execute(cpuStream(), {{DNNL_ARG_FROM, m}, {DNNL_ARG_TO, wrap(user, w)}});
    cpuStream().wait();
  }
};

struct Fwd {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  WeightReorder w;
};

struct BwdData {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data prim;
  WeightReorder w;
};

struct BwdWeights {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
  WeightReorder w;
};

template <class T>
using Cache = std::unordered_map<std::string, std::unique_ptr<T>>;

// Shapes are bounded in practice (one network, a few patch sizes); a hard cap keeps a pathological
// caller from growing the caches without limit.
constexpr size_t kMaxEntries = 512;

template <class T>
void capCache(Cache<T>& c) {
  if (c.size() >= kMaxEntries) c.clear();
}

Cache<Fwd>& fwdCache() {
  static Cache<Fwd> c;
  return c;
}
Cache<BwdData>& bwdDataCache() {
  static Cache<BwdData> c;
  return c;
}
Cache<BwdWeights>& bwdWeightsCache() {
  static Cache<BwdWeights> c;
  return c;
}

dnnl::convolution_forward::primitive_desc makeFwdPd(const ConvShape& c, bool bias) {
  auto wAny = weightsMd(c, tag::any);
  auto st = spatial(c, c.s), l = spatial(c, c.pl), r = spatial(c, c.pr);
  auto pk = dnnl::prop_kind::forward_training;
  auto alg = dnnl::algorithm::convolution_direct;
  if (bias) {
    dnnl::convolution_forward::desc d(pk, alg, srcMd(c), wAny, biasMd(c), dstMd(c), st, l, r);
    return dnnl::convolution_forward::primitive_desc(d, userScratchpad(), cpuEngine());
  }
  dnnl::convolution_forward::desc d(pk, alg, srcMd(c), wAny, dstMd(c), st, l, r);
  return dnnl::convolution_forward::primitive_desc(d, userScratchpad(), cpuEngine());
}

Fwd& getFwd(const ConvShape& c, bool bias) {
  auto& cache = fwdCache();
  std::string k = c.key() + (bias ? "+b" : "");
  auto it = cache.find(k);
  if (it != cache.end()) return *it->second;
  auto e = std::make_unique<Fwd>();
  e->pd = makeFwdPd(c, bias);
  e->prim = dnnl::convolution_forward(e->pd);
  e->w.init(weightsMd(c, userWeightTag(c)), e->pd.weights_desc(), true);
  capCache(cache);
  return *cache.emplace(k, std::move(e)).first->second;
}

BwdData& getBwdData(const ConvShape& c) {
  auto& cache = bwdDataCache();
  std::string k = c.key();
  auto it = cache.find(k);
  if (it != cache.end()) return *it->second;
  auto hint = makeFwdPd(c, false);
  auto e = std::make_unique<BwdData>();
  dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, srcMd(c), weightsMd(c, tag::any), dstMd(c),
                                          spatial(c, c.s), spatial(c, c.pl), spatial(c, c.pr));
  e->pd = dnnl::convolution_backward_data::primitive_desc(d, userScratchpad(), cpuEngine(), hint);
  e->prim = dnnl::convolution_backward_data(e->pd);
  e->w.init(weightsMd(c, userWeightTag(c)), e->pd.weights_desc(), true);
  capCache(cache);
  return *cache.emplace(k, std::move(e)).first->second;
}

BwdWeights& getBwdWeights(const ConvShape& c, bool bias) {
  auto& cache = bwdWeightsCache();
  std::string k = c.key() + (bias ? "+b" : "");
  auto it = cache.find(k);
  if (it != cache.end()) return *it->second;
  auto hint = makeFwdPd(c, bias);
  auto e = std::make_unique<BwdWeights>();
  auto alg = dnnl::algorithm::convolution_direct;
  auto st = spatial(c, c.s), l = spatial(c, c.pl), r = spatial(c, c.pr);
  if (bias) {
    dnnl::convolution_backward_weights::desc d(alg, srcMd(c), weightsMd(c, tag::any), biasMd(c), dstMd(c), st, l, r);
    e->pd = dnnl::convolution_backward_weights::primitive_desc(d, userScratchpad(), cpuEngine(), hint);
  } else {
    dnnl::convolution_backward_weights::desc d(alg, srcMd(c), weightsMd(c, tag::any), dstMd(c), st, l, r);
    e->pd = dnnl::convolution_backward_weights::primitive_desc(d, userScratchpad(), cpuEngine(), hint);
  }
  e->prim = dnnl::convolution_backward_weights(e->pd);
  e->w.init(weightsMd(c, userWeightTag(c)), e->pd.diff_weights_desc(), false);
  capCache(cache);
  return *cache.emplace(k, std::move(e)).first->second;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NNSEG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NNSEG_CLONES
#endif

NNSEG_CLONES
void addRow(float* __restrict o, const float* __restrict src, int64_t n) {
  for (int64_t x = 0; x < n; x++) o[x] += src[x];
}

// Stride-1 backward-data with one input channel (the network's first layer): oneDNN's channel-blocked
// kernels run it at a few GFLOP/s. Per sample, one GEMM gives every tap's contribution at every output
// voxel, P[tap, voxel] = sum_co w[tap, co] * dy[voxel, co]; then dx adds each tap's plane, shifted.
bool singleInputChannel(const ConvShape& c) {
  static const bool off = std::getenv("NNSEG_NATIVE_ONEDNN_ONLY") != nullptr;  // for comparisons
  return !off && c.Ci == 1 && c.s[0] == 1 && c.s[1] == 1 && c.s[2] == 1;
}

void singleInputChannelBackwardData(const ConvShape& c, const float* dy, const float* w, float* dx) {
  static Buffer pbuf;
  const int64_t taps = c.kSpatial(), vol = c.outSpatial(), OH = c.out[1], OW = c.out[2];
  const int64_t D = c.in[0], H = c.in[1], W = c.in[2];
  float* P = pbuf.floats(static_cast<size_t>(taps * vol));
  for (int64_t n = 0; n < c.N; n++) {
    // Row-major C[taps, vol] = A[taps, Co] x B[vol, Co]^T.
    auto st = dnnl::sgemm('N', 'T', taps, vol, c.Co, 1.f, w, c.Co, dy + n * vol * c.Co, c.Co, 0.f, P, vol);
    if (st != dnnl::status::success) throw std::runtime_error("sgemm failed in the single-channel backward-data");
#pragma omp parallel for schedule(static)
    for (int64_t zy = 0; zy < D * H; zy++) {
      const int64_t z = zy / H, y = zy % H;
      float* o = dx + ((n * D + z) * H + y) * W;
      std::fill(o, o + W, 0.f);
      for (int64_t kd = 0; kd < c.k[0]; kd++) {
        const int64_t oz = z + c.pl[0] - kd;
        if (oz < 0 || oz >= c.out[0]) continue;
        for (int64_t kh = 0; kh < c.k[1]; kh++) {
          const int64_t oy = y + c.pl[1] - kh;
          if (oy < 0 || oy >= OH) continue;
          for (int64_t kw = 0; kw < c.k[2]; kw++) {
            const int64_t shift = c.pl[2] - kw;  // ox = x + shift
            const int64_t x0 = std::max<int64_t>(0, -shift), x1 = std::min<int64_t>(W, OW - shift);
            const int64_t t = (kd * c.k[1] + kh) * c.k[2] + kw;
            if (x1 > x0) addRow(o + x0, P + t * vol + (oz * OH + oy) * OW + x0 + shift, x1 - x0);
          }
        }
      }
    }
  }
}

}  // namespace

void convForward(const ConvShape& c, const float* x, const float* w, const float* bias, float* y) {
  Fwd& e = getFwd(c, bias != nullptr);
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(e.pd.src_desc(), x)},
      {DNNL_ARG_WEIGHTS, e.w.in(w)},
      {DNNL_ARG_DST, wrap(e.pd.dst_desc(), y)},
      {DNNL_ARG_SCRATCHPAD, scratchMem(e.pd.scratchpad_desc())},
  };
  if (bias) args.insert({DNNL_ARG_BIAS, wrap(e.pd.bias_desc(), bias)});
  e.prim.execute(cpuStream(), args);
  cpuStream().wait();
}

void convBackwardData(const ConvShape& c, const float* dy, const float* w, float* dx) {
  if (singleInputChannel(c)) return singleInputChannelBackwardData(c, dy, w, dx);
  BwdData& e = getBwdData(c);
  e.prim.execute(cpuStream(), {
                                  {DNNL_ARG_DIFF_DST, wrap(e.pd.diff_dst_desc(), dy)},
                                  {DNNL_ARG_WEIGHTS, e.w.in(w)},
                                  {DNNL_ARG_DIFF_SRC, wrap(e.pd.diff_src_desc(), dx)},
                                  {DNNL_ARG_SCRATCHPAD, scratchMem(e.pd.scratchpad_desc())},
                              });
  cpuStream().wait();
}

void convBackwardWeights(const ConvShape& c, const float* x, const float* dy, float* dw, float* dbias) {
  BwdWeights& e = getBwdWeights(c, dbias != nullptr);
  memory dwm = e.w.target(dw);
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(e.pd.src_desc(), x)},
      {DNNL_ARG_DIFF_DST, wrap(e.pd.diff_dst_desc(), dy)},
      {DNNL_ARG_DIFF_WEIGHTS, dwm},
      {DNNL_ARG_SCRATCHPAD, scratchMem(e.pd.scratchpad_desc())},
  };
  if (dbias) args.insert({DNNL_ARG_DIFF_BIAS, wrap(e.pd.diff_bias_desc(), dbias)});
  e.prim.execute(cpuStream(), args);
  e.w.out(dwm, dw);
  cpuStream().wait();
}

std::string convImplName(const ConvShape& c, int kind) {
  if (kind == 0) return getFwd(c, false).pd.impl_info_str();
  if (kind == 1) return singleInputChannel(c) ? "nnseg:sgemm_ic1" : getBwdData(c).pd.impl_info_str();
  return getBwdWeights(c, false).pd.impl_info_str();
}

void clearConvCache() {
  fwdCache().clear();
  bwdDataCache().clear();
  bwdWeightsCache().clear();
  scratchpad().release();
}

}  // namespace nnseg
