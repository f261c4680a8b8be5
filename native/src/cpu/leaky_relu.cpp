#include "cpu/kernels.h"

namespace deepsc::cpu {

void leaky_relu_forward(const LeakyReluParams& p, const OpArgs& a) {
  const float* x = a.in[0].data;
  float* y = a.out[0].data;
  const float slope = static_cast<float>(p.slope);
  parallel_for(a.in[0].numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = x[i] > 0.f ? x[i] : slope * x[i];
  });
}

void leaky_relu_backward(const LeakyReluParams& p, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  const float* x = a.in[0].data;
  const float* g = a.grad_out[0].data;
  float* dx = a.grad_in[0].data;
  const float slope = static_cast<float>(p.slope);
  parallel_for(a.in[0].numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    // PyTorch's convention: at exactly 0 the gradient is the slope.
    for (int64_t i = b; i < e; ++i) dx[i] = x[i] > 0.f ? g[i] : slope * g[i];
  });
}

}  // namespace deepsc::cpu
