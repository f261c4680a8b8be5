#pragma once
// group_norm's CUDA kernels, shared with instance_norm (groups = C); `op` names the op in
// errors.
#include "deepsc/op.h"

namespace deepsc::cuda {

void group_norm_forward_impl(int64_t groups, double eps, const OpArgs& a, const char* op);
void group_norm_backward_impl(int64_t groups, double eps, const OpGradArgs& a, const char* op);

}  // namespace deepsc::cuda
