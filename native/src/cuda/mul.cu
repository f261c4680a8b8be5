// mul on the GPU with NumPy broadcasting: the CPU twin is src/cpu/mul.cpp; the shared
// broadcasting kernels are in broadcast.cuh.
#include "cuda/broadcast.cuh"
#include "cuda/op_api.h"

namespace deepsc::cuda {

void mul_forward(const MulParams&, const OpArgs& a) { binary_forward(BinOp::mul, a); }

void mul_backward(const MulParams&, const OpGradArgs& a) { binary_backward(BinOp::mul, a); }

}  // namespace deepsc::cuda
