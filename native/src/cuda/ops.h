#pragma once
// The CUDA kernels' host entry points, one pair per op in ops_cuda.def. Host-side
// declarations only. Every pointer in the argument packs is a device pointer; the kernels
// need no workspace (args.ws is ignored) and are queued on the default stream.
#include "deepsc/registry.h"

namespace deepsc::cuda {

#define DEEPSC_CUDA_OP(name, Type)                                 \
  void name##_forward(const Type##Params& p, const OpArgs& args); \
  void name##_backward(const Type##Params& p, const OpGradArgs& args);
#include "cuda/ops_cuda.def"
#undef DEEPSC_CUDA_OP

/// The names of the ops in ops_cuda.def, in its order.
std::vector<std::string> op_names();

}  // namespace deepsc::cuda
