#include <cmath>

#include "cpu/channel_blocks.h"
#include "cpu/kernels.h"

namespace deepsc::cpu {

void softmax_forward(const SoftmaxParams&, const OpArgs& a) {
  const ChannelLayout l = channel_layout(a.in[0].shape);
  const float* x = a.in[0].data;
  float* y = a.out[0].data;
  for_channel_blocks(l, [&](int64_t n, int64_t s0, int64_t s1) {
    const int64_t len = s1 - s0;
    const float* xb = x + n * l.c * l.s + s0;
    float* yb = y + n * l.c * l.s + s0;
    float mx[kChannelBlock], sum[kChannelBlock];
    channel_max(xb, l.c, l.s, len, mx);
    for (int64_t k = 0; k < len; ++k) sum[k] = 0.f;
    for (int64_t c = 0; c < l.c; ++c)
      for (int64_t k = 0; k < len; ++k) {
        const float e = std::exp(xb[c * l.s + k] - mx[k]);
        yb[c * l.s + k] = e;
        sum[k] += e;
      }
    for (int64_t k = 0; k < len; ++k) sum[k] = 1.f / sum[k];
    for (int64_t c = 0; c < l.c; ++c)
      for (int64_t k = 0; k < len; ++k) yb[c * l.s + k] *= sum[k];
  });
}

void softmax_backward(const SoftmaxParams&, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  const ChannelLayout l = channel_layout(a.in[0].shape);
  const float* y = a.out[0].data;
  const float* g = a.grad_out[0].data;
  float* dx = a.grad_in[0].data;
  for_channel_blocks(l, [&](int64_t n, int64_t s0, int64_t s1) {
    const int64_t len = s1 - s0, off = n * l.c * l.s + s0;
    float dot[kChannelBlock];
    for (int64_t k = 0; k < len; ++k) dot[k] = 0.f;
    for (int64_t c = 0; c < l.c; ++c)
      for (int64_t k = 0; k < len; ++k) dot[k] += g[off + c * l.s + k] * y[off + c * l.s + k];
    for (int64_t c = 0; c < l.c; ++c)
      for (int64_t k = 0; k < len; ++k) {
        const int64_t i = off + c * l.s + k;
        dx[i] = y[i] * (g[i] - dot[k]);
      }
  });
}

}  // namespace deepsc::cpu
