// concat on the GPU: the CPU twin is src/cpu/concat.cpp. The output is seen as [outer, width]
// rows in which input i owns columns [col_i, col_i + inner_i). Pure data movement (exact): one
// launch per input, one thread per element of that input (forward: copy it into its columns;
// backward: copy its columns of the output gradient into its gradient, when that is asked for).
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/vector_ops.h"
#include "deepsc/axis.h"

namespace deepsc::cuda {

namespace {

/// Input i's place in the output rows.
struct Part {
  int64_t width, col, inner;
};

/// The parts of every input, in input order.
std::vector<Part> parts(const ConcatParams& p, std::span<const TensorView> in) {
  const int axis = resolve_axis(p.axis, in[0].shape.rank(), "concat");
  std::vector<Part> out;
  int64_t width = 0;
  for (const TensorView& t : in) {
    int64_t inner = 1;
    for (int d = axis; d < t.shape.rank(); ++d) inner *= t.shape[d];
    out.push_back({0, width, inner});
    width += inner;
  }
  for (Part& q : out) q.width = width;
  return out;
}

__global__ void concat_fwd(Part q, const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[(i / q.inner) * q.width + q.col + i % q.inner] = x[i];
}

__global__ void concat_bwd(Part q, const float* __restrict__ gy, float* __restrict__ dx, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) dx[i] = gy[(i / q.inner) * q.width + q.col + i % q.inner];
}

}  // namespace

void concat_forward(const ConcatParams& p, const OpArgs& a) {
  const std::vector<Part> ps = parts(p, a.in);
  for (size_t i = 0; i < a.in.size(); ++i) {
    const int64_t n = a.in[i].numel();
    if (n == 0) continue;
    // Planned in place (one row: the input is one contiguous block): already in its place.
    if (n == ps[i].inner && a.in[i].data == a.out[0].data + ps[i].col) continue;
    concat_fwd<<<blocks_for(n), kThreads>>>(ps[i], a.in[i].data, a.out[0].data, n);
    check_launch("concat");
  }
}

void concat_backward(const ConcatParams& p, const OpGradArgs& a) {
  const std::vector<Part> ps = parts(p, a.in);
  for (size_t i = 0; i < a.grad_in.size() && i < ps.size(); ++i) {
    const TensorView& dx = a.grad_in[i];
    const int64_t n = dx.numel();
    if (!dx.present() || n == 0) continue;
    concat_bwd<<<blocks_for(n), kThreads>>>(ps[i], a.grad_out[0].data, dx.data, n);
    check_launch("concat (backward)");
  }
}

}  // namespace deepsc::cuda
