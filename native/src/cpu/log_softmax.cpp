#include <cmath>

#include "cpu/channel_blocks.h"
#include "cpu/kernels.h"

namespace deepsc::cpu {

void log_softmax_forward(const LogSoftmaxParams&, const OpArgs& a) {
  const ChannelLayout l = channel_layout(a.in[0].shape);
  const float* x = a.in[0].data;
  float* y = a.out[0].data;
  for_channel_blocks(l, [&](int64_t n, int64_t s0, int64_t s1) {
    const int64_t len = s1 - s0;
    const float* xb = x + n * l.c * l.s + s0;
    float* yb = y + n * l.c * l.s + s0;
    float mx[kChannelBlock];
    double lsum[kChannelBlock];
    log_normaliser(xb, l.c, l.s, len, mx, lsum);
    // (x - max) - lsum rather than x - (max + lsum): the latter loses lsum's digits when |max|
    // is large.
    for (int64_t c = 0; c < l.c; ++c)
      for (int64_t k = 0; k < len; ++k)
        yb[c * l.s + k] = static_cast<float>(static_cast<double>(xb[c * l.s + k] - mx[k]) - lsum[k]);
  });
}

void log_softmax_backward(const LogSoftmaxParams&, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  const ChannelLayout l = channel_layout(a.in[0].shape);
  const float* y = a.out[0].data;
  const float* g = a.grad_out[0].data;
  float* dx = a.grad_in[0].data;
  for_channel_blocks(l, [&](int64_t n, int64_t s0, int64_t s1) {
    const int64_t len = s1 - s0, off = n * l.c * l.s + s0;
    float gs[kChannelBlock];
    for (int64_t k = 0; k < len; ++k) gs[k] = 0.f;
    for (int64_t c = 0; c < l.c; ++c)
      for (int64_t k = 0; k < len; ++k) gs[k] += g[off + c * l.s + k];
    for (int64_t c = 0; c < l.c; ++c)
      for (int64_t k = 0; k < len; ++k) {
        const int64_t i = off + c * l.s + k;
        dx[i] = g[i] - std::exp(y[i]) * gs[k];
      }
  });
}

}  // namespace deepsc::cpu
