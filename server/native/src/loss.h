// The fused softmax + soft Dice + cross-entropy loss (nnU-Net's DC_and_CE_loss with
// MemoryEfficientSoftDiceLoss) with its gradient, in two OpenMP passes over the voxels.
#pragma once

#include <cstdint>

namespace nnseg {

// logits [N, V, K]; labels [N, V] as int32 (labelsInt) or float32 class indices. Writes the loss value
// and dlogits [N, V, K]. Throws on a label outside [0, K).
void diceCE(int64_t N, int64_t V, int64_t K, bool doBg, bool batchDice, const float* logits, const void* labels,
            bool labelsInt, double wDice, double wCE, double smooth, float* loss, float* grad);

}  // namespace nnseg
