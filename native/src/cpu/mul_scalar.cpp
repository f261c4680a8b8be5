#include "cpu/kernels.h"

namespace deepsc::cpu {

void mul_scalar_forward(const MulScalarParams& p, const OpArgs& a) {
  const float* x = a.in[0].data;
  float* y = a.out[0].data;
  const float v = static_cast<float>(p.value);
  parallel_for(a.in[0].numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = v * x[i];
  });
}

void mul_scalar_backward(const MulScalarParams& p, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  const float* g = a.grad_out[0].data;
  float* dx = a.grad_in[0].data;
  const float v = static_cast<float>(p.value);
  parallel_for(a.in[0].numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dx[i] = v * g[i];
  });
}

}  // namespace deepsc::cpu
