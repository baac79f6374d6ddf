// N-API entry points. Every op in the job table is exported twice: `name(...)` runs on the calling
// thread and returns undefined; `nameAsync(...)` runs on a libuv worker thread and returns a promise
// (the typed arrays are kept alive by references until it settles). Arguments: an Int32Array spec,
// then Float32Arrays (or null for an optional one) and numbers, in the op's order.
#include <node_api.h>
#include <omp.h>

#include <cstring>
#include <string>
#include <thread>

#include "common.h"
#include "conv.h"
#include "jobs.h"

namespace nnseg {

dnnl::engine& cpuEngine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& cpuStream() {
  static dnnl::stream s(cpuEngine());
  return s;
}

std::mutex& callLock() {
  static std::mutex m;
  return m;
}

namespace {
int g_threads = 0;
}

int threadCount() { return g_threads > 0 ? g_threads : omp_get_num_procs(); }

void setThreadCount(int n) {
  std::lock_guard<std::mutex> g(callLock());
  int next = n > 0 ? n : 0;
  if (next == g_threads) return;
  g_threads = next;
  // Some oneDNN kernels fix their work split for the thread count at creation.
  clearConvCache();
}

void applyThreadCount() { omp_set_num_threads(threadCount()); }

}  // namespace nnseg

namespace {

using nnseg::Job;

bool parse(napi_env env, napi_callback_info info, Job& job, napi_value* args, size_t& argc) {
  argc = 32;
  if (napi_get_cb_info(env, info, &argc, args, nullptr, nullptr) != napi_ok) return false;
  if (argc < 1) {
    napi_throw_type_error(env, nullptr, "first argument must be an Int32Array spec");
    return false;
  }
  for (size_t i = 0; i < argc; i++) {
    napi_valuetype t;
    napi_typeof(env, args[i], &t);
    bool isTa = false;
    napi_is_typedarray(env, args[i], &isTa);
    if (isTa) {
      napi_typedarray_type tt;
      size_t len;
      void* data;
      napi_get_typedarray_info(env, args[i], &tt, &len, &data, nullptr, nullptr);
      if (i == 0) {
        if (tt != napi_int32_array) break;
        auto* p = static_cast<int32_t*>(data);
        job.spec.assign(p, p + len);
        continue;
      }
      if (tt != napi_float32_array && tt != napi_int32_array) {
        napi_throw_type_error(env, nullptr, ("argument " + std::to_string(i) + " must be a Float32Array").c_str());
        return false;
      }
      job.arrays.push_back(static_cast<float*>(data));
      job.lengths.push_back(len);
      job.isInt.push_back(tt == napi_int32_array);
    } else if (i > 0 && (t == napi_null || t == napi_undefined)) {
      job.arrays.push_back(nullptr);
      job.lengths.push_back(0);
      job.isInt.push_back(false);
    } else if (i > 0 && t == napi_number) {
      double d;
      napi_get_value_double(env, args[i], &d);
      job.nums.push_back(d);
    } else {
      napi_throw_type_error(env, nullptr, ("argument " + std::to_string(i) + " has an unsupported type").c_str());
      return false;
    }
  }
  if (job.spec.empty()) {
    napi_throw_type_error(env, nullptr, "first argument must be an Int32Array spec");
    return false;
  }
  return true;
}

napi_value runSync(napi_env env, napi_callback_info info) {
  void* data;
  size_t argc = 0;
  napi_value args[32];
  Job job;
  napi_get_cb_info(env, info, &argc, nullptr, nullptr, &data);
  job.op = static_cast<int>(reinterpret_cast<intptr_t>(data));
  if (!parse(env, info, job, args, argc)) return nullptr;
  try {
    nnseg::runJob(job);
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

struct AsyncJob {
  Job job;
  std::string error;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
  std::vector<napi_ref> refs;
};

void asyncExecute(napi_env, void* data) {
  auto* a = static_cast<AsyncJob*>(data);
  try {
    nnseg::runJob(a->job);
  } catch (const std::exception& e) {
    a->error = e.what();
    if (a->error.empty()) a->error = "native call failed";
  }
}

void asyncComplete(napi_env env, napi_status, void* data) {
  auto* a = static_cast<AsyncJob*>(data);
  for (napi_ref r : a->refs) napi_delete_reference(env, r);
  if (a->error.empty()) {
    napi_value undef;
    napi_get_undefined(env, &undef);
    napi_resolve_deferred(env, a->deferred, undef);
  } else {
    napi_value msg, err;
    napi_create_string_utf8(env, a->error.c_str(), NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, nullptr, msg, &err);
    napi_reject_deferred(env, a->deferred, err);
  }
  napi_delete_async_work(env, a->work);
  delete a;
}

napi_value runAsync(napi_env env, napi_callback_info info) {
  void* data;
  size_t argc = 0;
  napi_value args[32];
  auto* a = new AsyncJob();
  napi_get_cb_info(env, info, &argc, nullptr, nullptr, &data);
  a->job.op = static_cast<int>(reinterpret_cast<intptr_t>(data));
  if (!parse(env, info, a->job, args, argc)) {
    delete a;
    return nullptr;
  }
  for (size_t i = 0; i < argc; i++) {
    napi_valuetype t;
    napi_typeof(env, args[i], &t);
    if (t != napi_object) continue;
    napi_ref r;
    if (napi_create_reference(env, args[i], 1, &r) == napi_ok) a->refs.push_back(r);
  }
  napi_value promise, name;
  napi_create_promise(env, &a->deferred, &promise);
  napi_create_string_utf8(env, "nnsegNative", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, nullptr, name, asyncExecute, asyncComplete, a, &a->work);
  napi_queue_async_work(env, a->work);
  return promise;
}

const char* isaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_mic: return "avx512_mic";
    case dnnl::cpu_isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    case dnnl::cpu_isa::all: return "all";
    default: return "unknown";
  }
}

void setProp(napi_env env, napi_value obj, const char* key, napi_value v) { napi_set_named_property(env, obj, key, v); }

napi_value info(napi_env env, napi_callback_info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  const dnnl_version_t* ver = dnnl_version();
  std::string version = std::to_string(ver->major) + "." + std::to_string(ver->minor) + "." + std::to_string(ver->patch);
  napi_create_string_utf8(env, version.c_str(), NAPI_AUTO_LENGTH, &v);
  setProp(env, obj, "version", v);
  napi_create_string_utf8(env, ver->hash ? ver->hash : "", NAPI_AUTO_LENGTH, &v);
  setProp(env, obj, "hash", v);
  std::string isa = "unknown";
  try {
    isa = isaName(dnnl::get_effective_cpu_isa());
  } catch (...) {
  }
  napi_create_string_utf8(env, isa.c_str(), NAPI_AUTO_LENGTH, &v);
  setProp(env, obj, "isa", v);
  napi_create_int32(env, nnseg::threadCount(), &v);
  setProp(env, obj, "threads", v);
  napi_create_int32(env, omp_get_num_procs(), &v);
  setProp(env, obj, "cores", v);
  napi_create_string_utf8(env, ver->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other", NAPI_AUTO_LENGTH, &v);
  setProp(env, obj, "runtime", v);
  return obj;
}

napi_value setThreads(napi_env env, napi_callback_info cb) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, cb, &argc, &arg, nullptr, nullptr);
  int32_t n = 0;
  if (argc < 1 || napi_get_value_int32(env, arg, &n) != napi_ok) {
    napi_throw_type_error(env, nullptr, "setThreads expects a number (0: all cores)");
    return nullptr;
  }
  nnseg::setThreadCount(n);
  return nullptr;
}

// implName(kind, spec): the oneDNN implementation for a conv shape (kind 0 fwd, 1 bwd-data, 2 bwd-weights).
napi_value implName(napi_env env, napi_callback_info cb) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, cb, &argc, args, nullptr, nullptr);
  int32_t kind = 0;
  napi_typedarray_type tt;
  size_t len = 0;
  void* data = nullptr;
  bool isTa = false;
  if (argc == 2) napi_is_typedarray(env, args[1], &isTa);
  if (argc < 2 || napi_get_value_int32(env, args[0], &kind) != napi_ok || !isTa) {
    napi_throw_type_error(env, nullptr, "implName expects (kind, Int32Array spec)");
    return nullptr;
  }
  napi_get_typedarray_info(env, args[1], &tt, &len, &data, nullptr, nullptr);
  if (tt != napi_int32_array) {
    napi_throw_type_error(env, nullptr, "implName expects an Int32Array spec");
    return nullptr;
  }
  try {
    std::lock_guard<std::mutex> g(nnseg::callLock());
    nnseg::applyThreadCount();
    std::string s = nnseg::convImplName(nnseg::ConvShape::fromSpec(static_cast<int32_t*>(data), len), kind);
    napi_value v;
    napi_create_string_utf8(env, s.c_str(), NAPI_AUTO_LENGTH, &v);
    return v;
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
    return nullptr;
  }
}

napi_value clearCache(napi_env, napi_callback_info) {
  std::lock_guard<std::mutex> g(nnseg::callLock());
  nnseg::clearConvCache();
  return nullptr;
}

void exportFn(napi_env env, napi_value exports, const char* name, napi_callback fn, void* data = nullptr) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, data, &f);
  napi_set_named_property(env, exports, name, f);
}

napi_value Init(napi_env env, napi_value exports) {
  const auto& ops = nnseg::opTable();
  for (size_t i = 0; i < ops.size(); i++) {
    void* idx = reinterpret_cast<void*>(static_cast<intptr_t>(i));
    exportFn(env, exports, ops[i].name, runSync, idx);
    exportFn(env, exports, (std::string(ops[i].name) + "Async").c_str(), runAsync, idx);
  }
  exportFn(env, exports, "info", info);
  exportFn(env, exports, "setThreads", setThreads);
  exportFn(env, exports, "implName", implName);
  exportFn(env, exports, "clearCache", clearCache);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
