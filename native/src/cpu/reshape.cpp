#include "cpu/subvolume.h"

namespace deepsc::cpu {

// The engine's tensors are contiguous, so a reshape is a copy; the graph executor may alias
// the buffers instead and never call these.
void reshape_forward(const ReshapeParams&, const OpArgs& a) { parallel_copy(a.out[0].data, a.in[0].data, a.in[0].numel()); }

void reshape_backward(const ReshapeParams&, const OpGradArgs& a) {
  if (a.grad_in[0].present()) parallel_copy(a.grad_in[0].data, a.grad_out[0].data, a.grad_in[0].numel());
}

}  // namespace deepsc::cpu
