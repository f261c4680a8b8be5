#include <bit>
#include <cstdint>

#include "cpu/kernels.h"

namespace deepsc::cpu {

namespace {

// c > 0 ? a : b, as bit operations on values computed beforehand. The compiler will not
// vectorise a float compare-and-branch under -ftrapping-math (it would have to speculate the
// multiply of the untaken side); integer masks cannot trap. c > 0 exactly when c's bits are a
// positive int32 (a positive-signed NaN also selects a, which only matters for the gradient).
inline float select_positive(float c, float a, float b) {
  const int32_t mask = -static_cast<int32_t>(std::bit_cast<int32_t>(c) > 0);
  return std::bit_cast<float>((std::bit_cast<int32_t>(a) & mask) | (std::bit_cast<int32_t>(b) & ~mask));
}

}  // namespace

void leaky_relu_forward(const LeakyReluParams& p, const OpArgs& a) {
  const float* x = a.in[0].data;
  float* y = a.out[0].data;
  const float slope = static_cast<float>(p.slope);
  parallel_for(a.in[0].numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = select_positive(x[i], x[i], slope * x[i]);
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
    for (int64_t i = b; i < e; ++i) dx[i] = select_positive(x[i], g[i], slope * g[i]);
  });
}

}  // namespace deepsc::cpu
