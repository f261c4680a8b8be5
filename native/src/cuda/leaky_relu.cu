// leaky_relu on the GPU: the CPU twin is src/cpu/leaky_relu.cpp (PyTorch's convention: the
// gradient at exactly 0 is the slope).
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"

namespace deepsc::cuda {

namespace {

__global__ void leaky_relu_fwd(const float* __restrict__ x, float* __restrict__ y, float slope, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[i] = x[i] > 0.f ? x[i] : slope * x[i];
}

// g and dx not __restrict__: the executor may write dx over g.
__global__ void leaky_relu_bwd(const float* __restrict__ x, const float* g, float* dx,
                               float slope, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) dx[i] = x[i] > 0.f ? g[i] : slope * g[i];
}

}  // namespace

void leaky_relu_forward(const LeakyReluParams& p, const OpArgs& a) {
  const int64_t n = a.in[0].numel();
  if (n > 0) leaky_relu_fwd<<<blocks_for(n), kThreads>>>(a.in[0].data, a.out[0].data, static_cast<float>(p.slope), n);
}

void leaky_relu_backward(const LeakyReluParams& p, const OpGradArgs& a) {
  const int64_t n = a.in[0].numel();
  if (a.grad_in[0].present() && n > 0)
    leaky_relu_bwd<<<blocks_for(n), kThreads>>>(a.in[0].data, a.grad_out[0].data, a.grad_in[0].data,
                                                static_cast<float>(p.slope), n);
}

}  // namespace deepsc::cuda
