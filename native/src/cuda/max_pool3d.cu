// max_pool3d on the GPU: the CPU twin is src/cpu/max_pool3d.cpp. Each window is scanned in
// (kd, kh, kw) order keeping the first maximum (a strictly greater value or a NaN replaces
// it), so forward values are the CPU's. Nothing is stored for backward: it finds the argmax
// again from x. Backward is a gather, one thread per input voxel: it visits the outputs whose
// window holds the voxel in ascending (od, oh, ow) order, the order in which the CPU adds
// them, and adds those whose argmax it is. Deterministic, no atomics. The per-element work is
// in pool3d.cuh.
// When the windows do not overlap (stride >= dilated kernel extent on every axis, as for the
// usual kernel 2 stride 2), each input has at most one window: dx is zeroed and one thread per
// output writes its gradient to its argmax, no two threads the same element (the CPU's
// 0 + g, so still its bits).
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/pool3d.cuh"
#include "cuda/vector_ops.h"

namespace deepsc::cuda {

namespace {

__global__ void max_pool_fwd(pool3d::Geo g, const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[i] = pool3d::max_pool_out(g, x, i);
}

__global__ void max_pool_bwd(pool3d::Geo g, const float* __restrict__ x, const float* __restrict__ gy,
                             float* __restrict__ dx, int64_t n) {
  DEEPSC_GRID_STRIDE(j, n) dx[j] = pool3d::max_pool_grad(g, x, gy, j);
}

__global__ void max_pool_bwd_disjoint(pool3d::Geo g, const float* __restrict__ x, const float* __restrict__ gy,
                                      float* __restrict__ dx, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) {
    int64_t o[3];
    const int64_t plane = pool3d::split_index(i, g.out, o);
    const pool3d::Best b = pool3d::window_max(g, x + plane * g.in_sp, o);
    if (b.where >= 0) dx[plane * g.in_sp + b.where] = 0.f + gy[i];
  }
}

bool windows_disjoint(const pool3d::Geo& g) {
  for (int a = 0; a < 3; ++a)
    if (g.s[a] < (g.k[a] - 1) * g.dil[a] + 1) return false;
  return true;
}

}  // namespace

void max_pool3d_forward(const MaxPool3dParams& p, const OpArgs& a) {
  const int64_t n = a.out[0].numel();
  if (n == 0) return;
  const pool3d::Geo g = pool3d::make_geo(p.window, a.in[0].shape, a.out[0].shape);
  max_pool_fwd<<<blocks_for(n), kThreads>>>(g, a.in[0].data, a.out[0].data, n);
  check_launch("max_pool3d");
}

void max_pool3d_backward(const MaxPool3dParams& p, const OpGradArgs& a) {
  const TensorView& dx = a.grad_in[0];
  const int64_t n = a.in[0].numel();
  if (!dx.present() || n == 0) return;
  const pool3d::Geo g = pool3d::make_geo(p.window, a.in[0].shape, a.out[0].shape);
  if (g.out_sp == 0) return fill_zero(dx.data, n);
  if (windows_disjoint(g)) {
    fill_zero(dx.data, n);
    const int64_t m = g.planes * g.out_sp;
    max_pool_bwd_disjoint<<<blocks_for(m), kThreads>>>(g, a.in[0].data, a.grad_out[0].data, dx.data, m);
  } else {
    max_pool_bwd<<<blocks_for(n), kThreads>>>(g, a.in[0].data, a.grad_out[0].data, dx.data, n);
  }
  check_launch("max_pool3d (backward)");
}

}  // namespace deepsc::cuda
