#include "cpu/class_loss.h"

namespace deepsc::cpu {

void focal_forward(const FocalParams& p, const OpArgs& a) {
  a.out[0].data[0] = static_cast<float>(class_loss_forward(class_loss_args("focal", a.in, p.class_weights, p.gamma)));
}

void focal_backward(const FocalParams& p, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  class_loss_backward(class_loss_args("focal", a.in, p.class_weights, p.gamma), a.grad_out[0].data[0], a.grad_in[0].data);
}

}  // namespace deepsc::cpu
