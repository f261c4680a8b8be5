#pragma once
// group_norm's CPU kernel, shared with instance_norm (groups = C).
#include "deepsc/op.h"

namespace deepsc::cpu {

void group_norm_forward_impl(int64_t groups, double eps, const OpArgs& a);
void group_norm_backward_impl(int64_t groups, double eps, const OpGradArgs& a);

}  // namespace deepsc::cpu
