// slice on the GPU: the CPU twin is src/cpu/slice.cpp. x is seen as [outer, row] with the
// slice at columns [begin, begin + width) of each row. Pure data movement (exact): forward
// gathers one thread per output element, backward writes every element of dx (the gradient
// inside the slice, 0 outside).
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/vector_ops.h"
#include "deepsc/axis.h"

namespace deepsc::cuda {

namespace {

struct Layout {
  int64_t row = 1, begin = 0, width = 0;
};

Layout layout(const SliceParams& p, const Shape& x) {
  const int axis = resolve_axis(p.axis, x.rank(), "slice");
  int64_t inner = 1;
  for (int d = axis + 1; d < x.rank(); ++d) inner *= x[d];
  return {x[axis] * inner, p.start * inner, p.length * inner};
}

__global__ void slice_fwd(Layout l, const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[i] = x[(i / l.width) * l.row + l.begin + i % l.width];
}

__global__ void slice_bwd(Layout l, const float* __restrict__ gy, float* __restrict__ dx, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) {
    const int64_t c = i % l.row - l.begin;
    dx[i] = c >= 0 && c < l.width ? gy[(i / l.row) * l.width + c] : 0.f;
  }
}

}  // namespace

void slice_forward(const SliceParams& p, const OpArgs& a) {
  const int64_t n = a.out[0].numel();
  if (n == 0) return;
  slice_fwd<<<blocks_for(n), kThreads>>>(layout(p, a.in[0].shape), a.in[0].data, a.out[0].data, n);
  check_launch("slice");
}

void slice_backward(const SliceParams& p, const OpGradArgs& a) {
  const TensorView& dx = a.grad_in[0];
  const int64_t n = dx.numel();
  if (!dx.present() || n == 0) return;
  slice_bwd<<<blocks_for(n), kThreads>>>(layout(p, dx.shape), a.grad_out[0].data, dx.data, n);
  check_launch("slice (backward)");
}

}  // namespace deepsc::cuda
