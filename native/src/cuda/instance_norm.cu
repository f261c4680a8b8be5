// instance_norm on the GPU: group_norm's kernels with one channel per group, as the CPU twin
// (src/cpu/instance_norm.cpp) runs group_norm's.
#include "cuda/group_norm.h"
#include "cuda/op_api.h"

namespace deepsc::cuda {

void instance_norm_forward(const InstanceNormParams& p, const OpArgs& a) {
  group_norm_forward_impl(a.in[0].shape[1], p.eps, a, "instance_norm");
}

void instance_norm_backward(const InstanceNormParams& p, const OpGradArgs& a) {
  group_norm_backward_impl(a.in[0].shape[1], p.eps, a, "instance_norm");
}

}  // namespace deepsc::cuda
