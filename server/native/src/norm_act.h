// Instance norm (affine) + leaky ReLU on channels-last data, forward and backward, with OpenMP.
// Data is [N, S, C]: S spatial positions per sample, C channels innermost (tfjs's N(D)HWC).
#pragma once

#include <cstdint>

namespace nnseg {

// out = leakyRelu(gamma * (conv - mean) * invStd + beta); mean and invStd are [N, C] (biased variance).
void normActForward(int64_t N, int64_t S, int64_t C, const float* conv, const float* gamma, const float* beta, float eps,
                    float slope, float* out, float* mean, float* invStd);

// Gradient through the leaky ReLU and the instance norm: dconv [N, S, C], dgamma and dbeta [C].
void normActBackward(int64_t N, int64_t S, int64_t C, const float* dy, const float* conv, const float* mean,
                     const float* invStd, const float* gamma, const float* beta, float slope, float* dconv, float* dgamma,
                     float* dbeta);

}  // namespace nnseg
