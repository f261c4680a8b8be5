// sigmoid on the GPU: the CPU twin is src/cpu/sigmoid.cpp. Same overflow-free form (exp of a
// non-positive number only); expf here and std::exp there may differ in the last ulp.
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"

namespace deepsc::cuda {

namespace {

// Not __restrict__: the executor may run it in place (y == x).
__global__ void sigmoid_fwd(const float* x, float* y, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) {
    const float z = expf(-fabsf(x[i]));
    y[i] = x[i] >= 0.f ? 1.f / (1.f + z) : z / (1.f + z);
  }
}

// g and dx not __restrict__: the executor may write dx over g.
__global__ void sigmoid_bwd(const float* __restrict__ y, const float* g, float* dx, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) dx[i] = g[i] * y[i] * (1.f - y[i]);
}

}  // namespace

void sigmoid_forward(const SigmoidParams&, const OpArgs& a) {
  const int64_t n = a.in[0].numel();
  if (n > 0) sigmoid_fwd<<<blocks_for(n), kThreads>>>(a.in[0].data, a.out[0].data, n);
}

void sigmoid_backward(const SigmoidParams&, const OpGradArgs& a) {
  const int64_t n = a.in[0].numel();
  if (a.grad_in[0].present() && n > 0)
    sigmoid_bwd<<<blocks_for(n), kThreads>>>(a.out[0].data, a.grad_out[0].data, a.grad_in[0].data, n);
}

}  // namespace deepsc::cuda
