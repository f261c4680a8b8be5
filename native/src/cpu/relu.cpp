#include "cpu/kernels.h"

namespace deepsc::cpu {

void relu_forward(const ReluParams&, const OpArgs& a) {
  const float* x = a.in[0].data;
  float* y = a.out[0].data;
  parallel_for(a.in[0].numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = x[i] > 0.f ? x[i] : 0.f;
  });
}

void relu_backward(const ReluParams&, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  // Reads y, not x (y > 0 exactly when x > 0), so the forward may run in place
  // (deepsc/backward_reads.h).
  const float* y = a.out[0].data;
  const float* g = a.grad_out[0].data;
  float* dx = a.grad_in[0].data;
  parallel_for(a.in[0].numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    // PyTorch's convention: the gradient at exactly 0 is 0.
    for (int64_t i = b; i < e; ++i) dx[i] = y[i] > 0.f ? g[i] : 0.f;
  });
}

}  // namespace deepsc::cpu
