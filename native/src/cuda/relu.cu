// relu on the GPU: the CPU twin is src/cpu/relu.cpp (same convention: gradient 0 at x == 0).
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"

namespace deepsc::cuda {

namespace {

// Not __restrict__: the executor may run it in place (y == x).
__global__ void relu_fwd(const float* x, float* y, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[i] = x[i] > 0.f ? x[i] : 0.f;
}

// Reads y, not x (y > 0 exactly when x > 0): see deepsc/backward_reads.h. g and dx not
// __restrict__: the executor may write dx over g.
__global__ void relu_bwd(const float* __restrict__ y, const float* g, float* dx, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) dx[i] = y[i] > 0.f ? g[i] : 0.f;
}

}  // namespace

void relu_forward(const ReluParams&, const OpArgs& a) {
  const int64_t n = a.in[0].numel();
  if (n > 0) relu_fwd<<<blocks_for(n), kThreads>>>(a.in[0].data, a.out[0].data, n);
}

void relu_backward(const ReluParams&, const OpGradArgs& a) {
  const int64_t n = a.in[0].numel();
  if (a.grad_in[0].present() && n > 0)
    relu_bwd<<<blocks_for(n), kThreads>>>(a.out[0].data, a.grad_out[0].data, a.grad_in[0].data, n);
}

}  // namespace deepsc::cuda
