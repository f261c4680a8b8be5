// softmax over the channel axis on the GPU: the CPU twin is src/cpu/softmax.cpp. One thread
// per position (channel_positions.cuh) with the CPU's float expressions in the CPU's order;
// expf here and std::exp there may differ in the last ulp.
#include "cuda/channel_positions.cuh"
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/op_scratch.cuh"

namespace deepsc::cuda {

namespace {

__global__ void softmax_fwd(ChannelDims d, const float* __restrict__ x, float* __restrict__ y) {
  DEEPSC_GRID_STRIDE(pos, d.positions()) {
    const int64_t base = channel_base(d, pos);
    const float* xb = x + base;
    float* yb = y + base;
    const float mx = channel_max(xb, d.c, d.s);
    float sum = 0.f;
    for (int64_t c = 0; c < d.c; ++c) {
      const float e = expf(__fsub_rn(xb[c * d.s], mx));
      yb[c * d.s] = e;
      sum = __fadd_rn(sum, e);
    }
    const float inv = __fdiv_rn(1.f, sum);
    for (int64_t c = 0; c < d.c; ++c) yb[c * d.s] = __fmul_rn(yb[c * d.s], inv);
  }
}

// dx = y (g - sum_c g y), the dot in float in channel order, as the CPU.
__global__ void softmax_bwd(ChannelDims d, const float* __restrict__ y, const float* __restrict__ g,
                            float* __restrict__ dx) {
  DEEPSC_GRID_STRIDE(pos, d.positions()) {
    const int64_t base = channel_base(d, pos);
    float dot = 0.f;
    for (int64_t c = 0; c < d.c; ++c) dot = __fadd_rn(dot, __fmul_rn(g[base + c * d.s], y[base + c * d.s]));
    for (int64_t c = 0; c < d.c; ++c) {
      const int64_t i = base + c * d.s;
      dx[i] = __fmul_rn(y[i], __fsub_rn(g[i], dot));
    }
  }
}

}  // namespace

void softmax_forward(const SoftmaxParams&, const OpArgs& a) {
  const ChannelDims d = channel_dims(a.in[0].shape);
  if (d.positions() == 0) return;
  softmax_fwd<<<blocks_for(d.positions()), kThreads>>>(d, a.in[0].data, a.out[0].data);
  check_op_launch("softmax", "forward");
}

void softmax_backward(const SoftmaxParams&, const OpGradArgs& a) {
  const ChannelDims d = channel_dims(a.in[0].shape);
  if (!a.grad_in[0].present() || d.positions() == 0) return;
  softmax_bwd<<<blocks_for(d.positions()), kThreads>>>(d, a.out[0].data, a.grad_out[0].data, a.grad_in[0].data);
  check_op_launch("softmax", "backward");
}

}  // namespace deepsc::cuda
