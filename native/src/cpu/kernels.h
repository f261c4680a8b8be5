#pragma once
// Declarations of every CPU kernel, generated from ops.def: cpu::<op>_forward / _backward.
#include "deepsc/ops/all.h"
#include "deepsc/threadpool.h"

namespace deepsc::cpu {

/// Elements per task for elementwise kernels: large enough to amortise scheduling, fixed so
/// results never depend on the thread count.
inline constexpr int64_t kElementwiseGrain = 1 << 15;

#define DEEPSC_OP(name, Type)                                  \
  void name##_forward(const Type##Params& p, const OpArgs& a); \
  void name##_backward(const Type##Params& p, const OpGradArgs& a);
#include "deepsc/ops.def"
#undef DEEPSC_OP

}  // namespace deepsc::cpu
