// add on the GPU with NumPy broadcasting: the CPU twin is src/cpu/add.cpp; the shared
// broadcasting kernels are in broadcast.cuh.
#include "cuda/broadcast.cuh"
#include "cuda/op_api.h"

namespace deepsc::cuda {

void add_forward(const AddParams&, const OpArgs& a) { binary_forward(BinOp::add, a); }

void add_backward(const AddParams&, const OpGradArgs& a) { binary_backward(BinOp::add, a); }

}  // namespace deepsc::cuda
