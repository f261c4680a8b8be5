// scale on the GPU: the CPU twin is src/cpu/scale.cpp. The scalar s stays on the device (the
// kernels read it), so no host round trip per call. ds = sum(g x) is one block's fixed-order
// double reduction (reduce.cuh): deterministic, but one block is slow above ~10M elements;
// the next step is a fixed-grid two-pass reduction with a device scratch from the workspace.
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/reduce.cuh"

namespace deepsc::cuda {

namespace {

constexpr int kReduceThreads = 1024;

// x and y not __restrict__: the executor may run it in place (y == x).
__global__ void scale_fwd(const float* x, const float* __restrict__ s, float* y, int64_t n) {
  const float v = s[0];
  DEEPSC_GRID_STRIDE(i, n) y[i] = v * x[i];
}

__global__ void scale_ds(const float* __restrict__ x, const float* __restrict__ g, float* __restrict__ ds, int64_t n) {
  __shared__ double scratch[32];
  double acc = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) acc += static_cast<double>(g[i]) * x[i];
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) ds[0] = static_cast<float>(acc);
}

}  // namespace

void scale_forward(const ScaleParams&, const OpArgs& a) {
  const int64_t n = a.in[0].numel();
  if (n > 0) scale_fwd<<<blocks_for(n), kThreads>>>(a.in[0].data, a.in[1].data, a.out[0].data, n);
}

void scale_backward(const ScaleParams&, const OpGradArgs& a) {
  const int64_t n = a.in[0].numel();
  // ds first (the same stream runs them in order): dx may be written over g
  // (GradInPlace::elementwise). Launched even for n == 0 so that ds is written (0).
  if (a.grad_in[1].present()) scale_ds<<<1, kReduceThreads>>>(a.in[0].data, a.grad_out[0].data, a.grad_in[1].data, n);
  if (a.grad_in[0].present() && n > 0)
    scale_fwd<<<blocks_for(n), kThreads>>>(a.grad_out[0].data, a.in[1].data, a.grad_in[0].data, n);
}

}  // namespace deepsc::cuda
