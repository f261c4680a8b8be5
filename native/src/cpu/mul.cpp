#include "cpu/broadcast.h"

namespace deepsc::cpu {

void mul_forward(const MulParams&, const OpArgs& a) {
  const BroadcastPlan p = make_plan(a.out[0].shape, a.in[0].shape, a.in[1].shape);
  broadcast_apply(p, a.in[0].data, a.in[1].data, a.out[0].data, [](float x, float y) { return x * y; });
}

void mul_backward(const MulParams&, const OpGradArgs& a) {
  const BroadcastPlan p = make_plan(a.out[0].shape, a.in[0].shape, a.in[1].shape);
  const float* g = a.grad_out[0].data;
  auto times = [](float x, float y) { return x * y; };
  for (int which = 0; which < 2; ++which) {
    const TensorView& dx = a.grad_in[static_cast<size_t>(which)];
    if (!dx.present()) continue;
    const float* other = a.in[static_cast<size_t>(1 - which)].data;
    // A full-size operand has g's layout, so its gradient is an elementwise product.
    if (is_full(p, which)) {
      if (which == 0) broadcast_apply(p, g, other, dx.data, times);
      else broadcast_apply(p, other, g, dx.data, times);
    } else {
      broadcast_reduce(p, which, g, other, dx.data);
    }
  }
}

}  // namespace deepsc::cpu
