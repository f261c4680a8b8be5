#include "cpu/broadcast.h"
#include "cpu/subvolume.h"

namespace deepsc::cpu {

void add_forward(const AddParams&, const OpArgs& a) {
  const BroadcastPlan p = make_plan(a.out[0].shape, a.in[0].shape, a.in[1].shape);
  broadcast_apply(p, a.in[0].data, a.in[1].data, a.out[0].data, [](float x, float y) { return x + y; });
}

void add_backward(const AddParams&, const OpGradArgs& a) {
  const BroadcastPlan p = make_plan(a.out[0].shape, a.in[0].shape, a.in[1].shape);
  for (int which = 0; which < 2; ++which) {
    const TensorView& dx = a.grad_in[static_cast<size_t>(which)];
    if (!dx.present()) continue;
    // The planner may hand the output gradient itself as dx (GradInPlace::pass_through): then
    // there is nothing to write.
    if (!is_full(p, which)) broadcast_reduce(p, which, a.grad_out[0].data, nullptr, dx.data);
    else if (dx.data != a.grad_out[0].data) parallel_copy(dx.data, a.grad_out[0].data, dx.numel());
  }
}

}  // namespace deepsc::cpu
