#include <cmath>

#include "cpu/kernels.h"

namespace deepsc::cpu {

void sigmoid_forward(const SigmoidParams&, const OpArgs& a) {
  const float* x = a.in[0].data;
  float* y = a.out[0].data;
  parallel_for(a.in[0].numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      // exp of a non-positive number only: no overflow for any x.
      const float z = std::exp(-std::fabs(x[i]));
      y[i] = x[i] >= 0.f ? 1.f / (1.f + z) : z / (1.f + z);
    }
  });
}

void sigmoid_backward(const SigmoidParams&, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  const float* y = a.out[0].data;
  const float* g = a.grad_out[0].data;
  float* dx = a.grad_in[0].data;
  parallel_for(a.in[0].numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dx[i] = g[i] * y[i] * (1.f - y[i]);
  });
}

}  // namespace deepsc::cpu
