// mul_scalar on the GPU: the CPU twin is src/cpu/mul_scalar.cpp.
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"

namespace deepsc::cuda {

namespace {

// Not __restrict__: the executor may run it in place (y == x).
__global__ void mul_scalar_kernel(const float* x, float* y, float v, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[i] = v * x[i];
}

}  // namespace

void mul_scalar_forward(const MulScalarParams& p, const OpArgs& a) {
  const int64_t n = a.in[0].numel();
  if (n > 0) mul_scalar_kernel<<<blocks_for(n), kThreads>>>(a.in[0].data, a.out[0].data, static_cast<float>(p.value), n);
}

void mul_scalar_backward(const MulScalarParams& p, const OpGradArgs& a) {
  const int64_t n = a.in[0].numel();
  if (a.grad_in[0].present() && n > 0)
    mul_scalar_kernel<<<blocks_for(n), kThreads>>>(a.grad_out[0].data, a.grad_in[0].data, static_cast<float>(p.value), n);
}

}  // namespace deepsc::cuda
