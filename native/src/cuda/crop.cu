// crop on the GPU: the CPU twin is src/cpu/crop.cpp. Pure data movement (exact): forward
// gathers the region, backward writes every element of dx (the gradient inside the region,
// 0 outside) with one thread per element.
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/region.cuh"
#include "cuda/vector_ops.h"

namespace deepsc::cuda {

namespace {

__global__ void crop_fwd(region::Region g, const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  DEEPSC_GRID_STRIDE(j, n) y[j] = x[region::volume_index(g, j)];
}

__global__ void crop_bwd(region::Region g, const float* __restrict__ gy, float* __restrict__ dx, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) {
    const int64_t j = region::region_index(g, i);
    dx[i] = j >= 0 ? gy[j] : 0.f;
  }
}

}  // namespace

void crop_forward(const CropParams& p, const OpArgs& a) {
  const int64_t n = a.out[0].numel();
  if (n == 0) return;
  crop_fwd<<<blocks_for(n), kThreads>>>(region::make(a.in[0].shape, a.out[0].shape, p.offset), a.in[0].data,
                                        a.out[0].data, n);
  check_launch("crop");
}

void crop_backward(const CropParams& p, const OpGradArgs& a) {
  const TensorView& dx = a.grad_in[0];
  const int64_t n = dx.numel();
  if (!dx.present() || n == 0) return;
  crop_bwd<<<blocks_for(n), kThreads>>>(region::make(dx.shape, a.grad_out[0].shape, p.offset), a.grad_out[0].data,
                                        dx.data, n);
  check_launch("crop (backward)");
}

}  // namespace deepsc::cuda
