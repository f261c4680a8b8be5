// resize on the GPU: the CPU twin is src/cpu/resize.cpp (PyTorch's align_corners=false
// trilinear, and nearest). Forward: one thread per output voxel. Backward is a gather, one
// thread per input voxel: it finds the outputs that read the voxel along each axis (a
// contiguous range, by binary search) and adds their contributions in the order and grouping
// of the CPU's scatter. Deterministic, no atomics. The per-element work, and why its float
// arithmetic goes through round-to-nearest intrinsics, is in resize.cuh.
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/resize.cuh"
#include "cuda/vector_ops.h"

namespace deepsc::cuda {

namespace {

__global__ void resize_fwd(resize::Geo g, const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[i] = resize::forward_at(g, x, i);
}

__global__ void resize_bwd(resize::Geo g, const float* __restrict__ gy, float* __restrict__ dx, int64_t n) {
  DEEPSC_GRID_STRIDE(j, n) dx[j] = resize::backward_at(g, gy, j);
}

}  // namespace

void resize_forward(const ResizeParams& p, const OpArgs& a) {
  const int64_t n = a.out[0].numel();
  if (n == 0) return;
  resize_fwd<<<blocks_for(n), kThreads>>>(resize::make_geo(p, a.in[0].shape), a.in[0].data, a.out[0].data, n);
  check_launch("resize");
}

void resize_backward(const ResizeParams& p, const OpGradArgs& a) {
  const TensorView& dx = a.grad_in[0];
  const int64_t n = a.in[0].numel();
  if (!dx.present() || n == 0) return;
  resize_bwd<<<blocks_for(n), kThreads>>>(resize::make_geo(p, a.in[0].shape), a.grad_out[0].data, dx.data, n);
  check_launch("resize (backward)");
}

}  // namespace deepsc::cuda
