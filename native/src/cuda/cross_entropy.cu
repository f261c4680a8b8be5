// cross_entropy on the GPU: the class-loss kernels (class_loss.cu) with gamma = 0, as the CPU
// twin (src/cpu/cross_entropy.cpp) runs its class_loss.h.
#include "cuda/class_loss.h"
#include "cuda/op_api.h"

namespace deepsc::cuda {

void cross_entropy_forward(const CrossEntropyParams& p, const OpArgs& a) {
  class_loss_forward("cross_entropy", a, p.class_weights, 0.0);
}

void cross_entropy_backward(const CrossEntropyParams& p, const OpGradArgs& a) {
  class_loss_backward("cross_entropy", a, p.class_weights, 0.0);
}

}  // namespace deepsc::cuda
