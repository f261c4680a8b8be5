// linear on the GPU: the CPU twin is src/cpu/linear.cpp. y = x w^T + b: one warp per output
// element, lanes stride over F with double partials combined by the fixed shuffle tree
// (reduce.cuh), the bias added in float. dx = g w and dw = g^T x: one thread per element,
// summing over O (resp. N) in order in float with the CPU's expression (no FMA contraction),
// so these match the CPU's loops exactly; db = sum_n g in double, one thread per column.
// Sized for classifier heads (DeepSC-COVID: 448 -> 3); a tiled GEMM would be the next step
// for wide layers.
#include "cpu/optional_input.h"
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/op_scratch.cuh"
#include "cuda/reduce.cuh"

namespace deepsc::cuda {

namespace {

constexpr const char* kOp = "linear";

// One warp per y[r, c] (blockDim.x = kThreads: 8 outputs per block).
__global__ void linear_fwd(int64_t n, int64_t f, int64_t o, const float* __restrict__ x, const float* __restrict__ w,
                           const float* __restrict__ b, float* __restrict__ y) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (i >= n * o) return;  // whole warps leave together: the shuffles below stay full-warp
  const int lane = threadIdx.x & 31;
  const int64_t r = i / o, c = i % o;
  const float* xr = x + r * f;
  const float* wc = w + c * f;
  double acc = 0;
  for (int64_t k = lane; k < f; k += 32) acc += static_cast<double>(xr[k]) * wc[k];
  acc = warp_sum(acc);
  if (lane == 0) y[i] = __fadd_rn(static_cast<float>(acc), b ? b[c] : 0.f);
}

// dx[r, k] = sum_c g[r, c] w[c, k], c in order.
__global__ void linear_dx(int64_t n, int64_t f, int64_t o, const float* __restrict__ g, const float* __restrict__ w,
                          float* __restrict__ dx) {
  DEEPSC_GRID_STRIDE(i, n * f) {
    const int64_t r = i / f, k = i % f;
    float acc = 0.f;
    for (int64_t c = 0; c < o; ++c) acc = __fadd_rn(acc, __fmul_rn(g[r * o + c], w[c * f + k]));
    dx[i] = acc;
  }
}

// dw[c, k] = sum_r g[r, c] x[r, k], r in order.
__global__ void linear_dw(int64_t n, int64_t f, int64_t o, const float* __restrict__ g, const float* __restrict__ x,
                          float* __restrict__ dw) {
  DEEPSC_GRID_STRIDE(i, o * f) {
    const int64_t c = i / f, k = i % f;
    float acc = 0.f;
    for (int64_t r = 0; r < n; ++r) acc = __fadd_rn(acc, __fmul_rn(g[r * o + c], x[r * f + k]));
    dw[i] = acc;
  }
}

// db[c] = sum_r g[r, c] in double, r in order.
__global__ void linear_db(int64_t n, int64_t o, const float* __restrict__ g, float* __restrict__ db) {
  DEEPSC_GRID_STRIDE(c, o) {
    double acc = 0;
    for (int64_t r = 0; r < n; ++r) acc += g[r * o + c];
    db[c] = static_cast<float>(acc);
  }
}

}  // namespace

void linear_forward(const LinearParams&, const OpArgs& a) {
  const int64_t n = a.in[0].shape[0], f = a.in[0].shape[1], o = a.in[1].shape[0];
  const float* b = cpu::optional_input(a.in, 2, kOp, "b");
  if (n * o == 0) return;
  const int64_t per_block = kThreads / 32;
  linear_fwd<<<static_cast<unsigned>((n * o + per_block - 1) / per_block), kThreads>>>(n, f, o, a.in[0].data,
                                                                                       a.in[1].data, b, a.out[0].data);
  check_op_launch(kOp, "forward");
}

void linear_backward(const LinearParams&, const OpGradArgs& a) {
  cpu::optional_input(a.in, 2, kOp, "b");  // a present b of shape [] would make db overrun
  const int64_t n = a.in[0].shape[0], f = a.in[0].shape[1], o = a.in[1].shape[0];
  const float* g = a.grad_out[0].data;
  if (a.grad_in[0].present() && n * f > 0) {
    linear_dx<<<blocks_for(n * f), kThreads>>>(n, f, o, g, a.in[1].data, a.grad_in[0].data);
    check_op_launch(kOp, "input gradient");
  }
  if (a.grad_in[1].present() && o * f > 0) {
    linear_dw<<<blocks_for(o * f), kThreads>>>(n, f, o, g, a.in[0].data, a.grad_in[1].data);
    check_op_launch(kOp, "weight gradient");
  }
  if (a.grad_in.size() > 2 && a.grad_in[2].present() && o > 0) {
    linear_db<<<blocks_for(o), kThreads>>>(n, o, g, a.grad_in[2].data);
    check_op_launch(kOp, "bias gradient");
  }
}

}  // namespace deepsc::cuda
