// Shared pieces of the addon: the oneDNN engine and stream, the thread count, an aligned growable
// buffer, and the lock that serialises every native call (primitives, scratchpad and workspaces are
// shared, and synchronous calls on the JS thread may overlap an async call on a worker thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

namespace nnseg {

dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();
std::mutex& callLock();

// OpenMP's thread count is per calling thread, so every call applies it on the thread that runs it.
int threadCount();
void setThreadCount(int n);
void applyThreadCount();

// 64-byte aligned float buffer that only grows; contents are not preserved across growth.
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(data_); }
  void* bytes(size_t n) {
    if (n > cap_) {
      std::free(data_);
      data_ = nullptr;
      cap_ = 0;
      size_t rounded = (n + 63) / 64 * 64;
      data_ = std::aligned_alloc(64, rounded);
      if (!data_) throw std::bad_alloc();
      cap_ = rounded;
    }
    return data_;
  }
  float* floats(size_t n) { return static_cast<float*>(bytes(n * sizeof(float))); }
  size_t capacity() const { return cap_; }
  void release() {
    std::free(data_);
    data_ = nullptr;
    cap_ = 0;
  }

 private:
  void* data_ = nullptr;
  size_t cap_ = 0;
};

}  // namespace nnseg
