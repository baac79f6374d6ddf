// One native call: its op, its integer spec, its float arrays (null allowed) and its numbers. The same
// Job runs synchronously on the JS thread or on a libuv worker thread (the async variants).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nnseg {

struct Job {
  int op = -1;
  std::vector<int32_t> spec;
  std::vector<float*> arrays;   // in argument order; nullptr for a null argument
  std::vector<size_t> lengths;  // element counts of arrays
  std::vector<bool> isInt;      // true where the argument was an Int32Array (arrays holds its data)
  std::vector<double> nums;     // number arguments, in order
};

struct OpDef {
  const char* name;
  void (*run)(Job&);
};

const std::vector<OpDef>& opTable();

// Runs a job under the call lock with the configured thread count; throws on bad arguments or when
// oneDNN has no implementation for the shape.
void runJob(Job& job);

}  // namespace nnseg
