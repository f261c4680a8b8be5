// focal on the GPU: the class-loss kernels (class_loss.cu) with the op's gamma, as the CPU
// twin (src/cpu/focal.cpp) runs its class_loss.h.
#include "cuda/class_loss.h"
#include "cuda/op_api.h"

namespace deepsc::cuda {

void focal_forward(const FocalParams& p, const OpArgs& a) { class_loss_forward("focal", a, p.class_weights, p.gamma); }

void focal_backward(const FocalParams& p, const OpGradArgs& a) {
  class_loss_backward("focal", a, p.class_weights, p.gamma);
}

}  // namespace deepsc::cuda
