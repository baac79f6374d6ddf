// Float32 elementwise ops, reductions, softmax and strided copies with OpenMP: the non-conv work of a
// training step, which tfjs's cpu backend runs as single-threaded JS loops.
#pragma once

#include <cstdint>
#include <vector>

namespace nnseg {

enum class BinaryOp { Add = 0, Sub, Mul, Div, Max, Min, SquaredDiff };
enum class UnaryOp { Exp = 0, Log, Neg, Sqrt, Square, Abs, Relu, LeakyRelu, Sigmoid, Reciprocal, Rsqrt, Tanh };
enum class ReduceOp { Sum = 0, Max, Min, Mean };

// out[idx] = op(a[idx . as], b[idx . bs]) over an output of `shape` (contiguous); strides are in
// elements and 0 on broadcast axes. rank >= 1.
void binary(BinaryOp op, int rank, const int64_t* shape, const int64_t* as, const int64_t* bs, const float* a,
            const float* b, float* out);

void unary(UnaryOp op, int64_t n, const float* x, float* out, float alpha);

// x viewed as [O, R, I]: out[o, i] = reduce over r of x[o, r, i].
void reduce(ReduceOp op, int64_t O, int64_t R, int64_t I, const float* x, float* out);

// Softmax over the last axis of x viewed as [rows, C].
void softmax(int64_t rows, int64_t C, const float* x, float* out);

// out[outOffset + idx . os] = in[inOffset + idx . is] for every idx in `shape`.
void stridedCopy(int rank, const int64_t* shape, const int64_t* is, const int64_t* os, int64_t inOffset,
                 int64_t outOffset, const float* in, float* out);

// out = sum of the inputs (all of n elements).
void addN(int64_t n, const std::vector<const float*>& in, float* out);

}  // namespace nnseg
