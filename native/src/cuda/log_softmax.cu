// log_softmax over the channel axis on the GPU: the CPU twin is src/cpu/log_softmax.cpp. One
// thread per position (channel_positions.cuh): the normaliser summed in double, then
// (x - max) - log sum in double, as the CPU; expf/log here and std::exp/std::log there may
// differ in the last ulp.
#include "cuda/channel_positions.cuh"
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/op_scratch.cuh"

namespace deepsc::cuda {

namespace {

__global__ void log_softmax_fwd(ChannelDims d, const float* __restrict__ x, float* __restrict__ y) {
  DEEPSC_GRID_STRIDE(pos, d.positions()) {
    const int64_t base = channel_base(d, pos);
    const float* xb = x + base;
    float mx;
    const double lsum = log_normaliser(xb, d.c, d.s, &mx);
    for (int64_t c = 0; c < d.c; ++c)
      y[base + c * d.s] = static_cast<float>(static_cast<double>(__fsub_rn(xb[c * d.s], mx)) - lsum);
  }
}

// dx = g - exp(y) sum_c g, the sum in float in channel order, as the CPU.
__global__ void log_softmax_bwd(ChannelDims d, const float* __restrict__ y, const float* __restrict__ g,
                                float* __restrict__ dx) {
  DEEPSC_GRID_STRIDE(pos, d.positions()) {
    const int64_t base = channel_base(d, pos);
    float gs = 0.f;
    for (int64_t c = 0; c < d.c; ++c) gs = __fadd_rn(gs, g[base + c * d.s]);
    for (int64_t c = 0; c < d.c; ++c) {
      const int64_t i = base + c * d.s;
      dx[i] = __fsub_rn(g[i], __fmul_rn(expf(y[i]), gs));
    }
  }
}

}  // namespace

void log_softmax_forward(const LogSoftmaxParams&, const OpArgs& a) {
  const ChannelDims d = channel_dims(a.in[0].shape);
  if (d.positions() == 0) return;
  log_softmax_fwd<<<blocks_for(d.positions()), kThreads>>>(d, a.in[0].data, a.out[0].data);
  check_op_launch("log_softmax", "forward");
}

void log_softmax_backward(const LogSoftmaxParams&, const OpGradArgs& a) {
  const ChannelDims d = channel_dims(a.in[0].shape);
  if (!a.grad_in[0].present() || d.positions() == 0) return;
  log_softmax_bwd<<<blocks_for(d.positions()), kThreads>>>(d, a.out[0].data, a.grad_out[0].data, a.grad_in[0].data);
  check_op_launch("log_softmax", "backward");
}

}  // namespace deepsc::cuda
