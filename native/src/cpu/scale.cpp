#include "cpu/kernels.h"
#include "cpu/ordered_sum.h"

namespace deepsc::cpu {

void scale_forward(const ScaleParams&, const OpArgs& a) {
  const float* x = a.in[0].data;
  float* y = a.out[0].data;
  const float s = a.in[1].data[0];
  parallel_for(a.in[0].numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = s * x[i];
  });
}

void scale_backward(const ScaleParams&, const OpGradArgs& a) {
  const float* x = a.in[0].data;
  const float* g = a.grad_out[0].data;
  const int64_t n = a.in[0].numel();
  // ds first: dx may be written over g (GradInPlace::elementwise in deepsc/backward_reads.h).
  if (a.grad_in[1].present()) {
    const int64_t tasks = (n + kElementwiseGrain - 1) / kElementwiseGrain;
    const auto total = ordered_sum<1>(tasks, [&](int64_t t) {
      const int64_t b = t * kElementwiseGrain, e = std::min(n, b + kElementwiseGrain);
      double acc = 0;
      for (int64_t i = b; i < e; ++i) acc += static_cast<double>(g[i]) * x[i];
      return std::array<double, 1>{acc};
    });
    a.grad_in[1].data[0] = static_cast<float>(total[0]);
  }
  if (a.grad_in[0].present()) {
    float* dx = a.grad_in[0].data;
    const float s = a.in[1].data[0];
    parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) dx[i] = s * g[i];
    });
  }
}

}  // namespace deepsc::cpu
