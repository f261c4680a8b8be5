#include "cpu/class_loss.h"

namespace deepsc::cpu {

void cross_entropy_forward(const CrossEntropyParams& p, const OpArgs& a) {
  a.out[0].data[0] = static_cast<float>(class_loss_forward(class_loss_args("cross_entropy", a.in, p.class_weights, 0.0)));
}

void cross_entropy_backward(const CrossEntropyParams& p, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  class_loss_backward(class_loss_args("cross_entropy", a.in, p.class_weights, 0.0), a.grad_out[0].data[0], a.grad_in[0].data);
}

}  // namespace deepsc::cpu
