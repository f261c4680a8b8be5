#include "cpu/group_norm.h"
#include "cpu/kernels.h"

namespace deepsc::cpu {

// Instance norm is group norm with one channel per group.
void instance_norm_forward(const InstanceNormParams& p, const OpArgs& a) {
  group_norm_forward_impl(a.in[0].shape[1], p.eps, a);
}

void instance_norm_backward(const InstanceNormParams& p, const OpGradArgs& a) {
  group_norm_backward_impl(a.in[0].shape[1], p.eps, a);
}

}  // namespace deepsc::cpu
