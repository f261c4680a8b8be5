// avg_pool3d on the GPU: the CPU twin is src/cpu/avg_pool3d.cpp. The divisor is PyTorch's
// (the window clipped to the padded input, with count_include_pad, else to the real input;
// the product of the three axes' factors; an output with divisor 0 is 0). Forward: one thread
// per output sums its window's real voxels in (kd, kh, kw) order, as the CPU does. Backward is
// a gather, one thread per input voxel, adding each covering output's share g / divisor in the
// order the CPU's scatter adds them. Deterministic, no atomics. The per-element work is in
// pool3d.cuh.
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/pool3d.cuh"
#include "cuda/vector_ops.h"

namespace deepsc::cuda {

namespace {

__global__ void avg_pool_fwd(pool3d::Geo g, bool include_pad, const float* __restrict__ x, float* __restrict__ y,
                             int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[i] = pool3d::avg_pool_out(g, include_pad, x, i);
}

__global__ void avg_pool_bwd(pool3d::Geo g, bool include_pad, const float* __restrict__ gy, float* __restrict__ dx,
                             int64_t n) {
  DEEPSC_GRID_STRIDE(j, n) dx[j] = pool3d::avg_pool_grad(g, include_pad, gy, j);
}

}  // namespace

void avg_pool3d_forward(const AvgPool3dParams& p, const OpArgs& a) {
  const int64_t n = a.out[0].numel();
  if (n == 0) return;
  const pool3d::Geo g = pool3d::make_geo(p.window, a.in[0].shape, a.out[0].shape);
  avg_pool_fwd<<<blocks_for(n), kThreads>>>(g, p.count_include_pad, a.in[0].data, a.out[0].data, n);
  check_launch("avg_pool3d");
}

void avg_pool3d_backward(const AvgPool3dParams& p, const OpGradArgs& a) {
  const TensorView& dx = a.grad_in[0];
  const int64_t n = a.in[0].numel();
  if (!dx.present() || n == 0) return;
  const pool3d::Geo g = pool3d::make_geo(p.window, a.in[0].shape, a.out[0].shape);
  if (g.out_sp == 0) return fill_zero(dx.data, n);
  avg_pool_bwd<<<blocks_for(n), kThreads>>>(g, p.count_include_pad, a.grad_out[0].data, dx.data, n);
  check_launch("avg_pool3d (backward)");
}

}  // namespace deepsc::cuda
