// The CUDA dispatcher: driven by ops_cuda.def, so adding a kernel is one line there plus the
// op's .cu file.
#include "cuda/kernels.h"
#include "cuda/ops.h"

namespace deepsc::cuda {

bool supports(OpKind kind) {
  switch (kind) {
#define DEEPSC_CUDA_OP(name, Type) \
  case OpKind::Type: return true;
#include "cuda/ops_cuda.def"
#undef DEEPSC_CUDA_OP
    default: return false;
  }
}

std::vector<std::string> op_names() {
  return {
#define DEEPSC_CUDA_OP(name, Type) #name,
#include "cuda/ops_cuda.def"
#undef DEEPSC_CUDA_OP
  };
}

void run_forward(const OpInstance& op, const OpArgs& a) {
  switch (op.kind) {
#define DEEPSC_CUDA_OP(name, Type) \
  case OpKind::Type: name##_forward(std::get<Type##Params>(op.params), a); return;
#include "cuda/ops_cuda.def"
#undef DEEPSC_CUDA_OP
    default: break;
  }
  fail(ErrorKind::Runtime, ::deepsc::op_name(op.kind), "no CUDA kernel for this op yet (it runs on the CPU backend)");
}

void run_backward(const OpInstance& op, const OpGradArgs& a) {
  switch (op.kind) {
#define DEEPSC_CUDA_OP(name, Type) \
  case OpKind::Type: name##_backward(std::get<Type##Params>(op.params), a); return;
#include "cuda/ops_cuda.def"
#undef DEEPSC_CUDA_OP
    default: break;
  }
  fail(ErrorKind::Runtime, ::deepsc::op_name(op.kind), "no CUDA kernel for this op yet (it runs on the CPU backend)");
}

}  // namespace deepsc::cuda
