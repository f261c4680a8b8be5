#pragma once
// Iteration over [N, C, S...] tensors for ops that work along the channel axis 1 (softmax,
// log_softmax, cross_entropy, focal). Positions (n, s) are cut into blocks of up to
// kChannelBlock spatial positions within one sample; inside a block the kernels loop over
// channels outside and positions inside, so the inner loops are contiguous and vectorise.
// A task is a run of consecutive blocks holding about kElementwiseGrain elements. Block and
// task boundaries depend only on the shape, never on the thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "deepsc/shape.h"
#include "deepsc/threadpool.h"

namespace deepsc::cpu {

inline constexpr int64_t kChannelBlock = 256;

struct ChannelLayout {
  int64_t n = 1, c = 1, s = 1;  ///< batch, channels, spatial positions per channel

  int64_t blocks_per_sample() const { return (s + kChannelBlock - 1) / kChannelBlock; }
  int64_t blocks() const { return n * blocks_per_sample(); }
  int64_t blocks_per_task() const {
    const int64_t per_block = std::min(s, kChannelBlock) * c;
    return std::max<int64_t>(1, (int64_t(1) << 15) / std::max<int64_t>(1, per_block));
  }
  int64_t tasks() const { return (blocks() + blocks_per_task() - 1) / blocks_per_task(); }

  /// Calls fn(n, s0, s1) for every block of task t, in order.
  template <class Fn>
  void for_task_blocks(int64_t t, Fn&& fn) const {
    const int64_t nb = blocks_per_sample();
    const int64_t b0 = t * blocks_per_task(), b1 = std::min(blocks(), b0 + blocks_per_task());
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t s0 = (b % nb) * kChannelBlock;
      fn(b / nb, s0, std::min(s, s0 + kChannelBlock));
    }
  }
};

/// x [N, C, ...] (rank >= 2) as (N, C, product of the rest).
inline ChannelLayout channel_layout(const Shape& x) {
  ChannelLayout l;
  l.n = x[0];
  l.c = x[1];
  for (int i = 2; i < x.rank(); ++i) l.s *= x[i];
  return l;
}

/// mx[k] = max over channels of xb[c * stride + k] for k < len: the shift that keeps the
/// exponentials of softmax-style kernels finite. `xb` points at channel 0 of the block.
inline void channel_max(const float* xb, int64_t channels, int64_t stride, int64_t len, float* mx) {
  for (int64_t k = 0; k < len; ++k) mx[k] = xb[k];
  for (int64_t c = 1; c < channels; ++c)
    for (int64_t k = 0; k < len; ++k) mx[k] = std::fmax(mx[k], xb[c * stride + k]);
}

/// The log-softmax normaliser of a block: mx (channel_max) and lsum[k] = log sum_c
/// exp(x_c - mx), so log softmax_c = (x_c - mx) - lsum. lsum is summed in double: for a
/// confident prediction it is log(1 + tiny), which float would round to 0 (losing 1 - p).
inline void log_normaliser(const float* xb, int64_t channels, int64_t stride, int64_t len, float* mx, double* lsum) {
  channel_max(xb, channels, stride, len, mx);
  for (int64_t k = 0; k < len; ++k) lsum[k] = 0.0;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t k = 0; k < len; ++k) lsum[k] += static_cast<double>(std::exp(xb[c * stride + k] - mx[k]));
  for (int64_t k = 0; k < len; ++k) lsum[k] = std::log(lsum[k]);  // sum >= 1: the max term is exp(0)
}

/// Calls fn(n, s0, s1) for every block, tasks in parallel.
template <class Fn>
void for_channel_blocks(const ChannelLayout& l, Fn&& fn) {
  const int64_t tasks = l.tasks();
  if (tasks <= 0) return;
  if (tasks == 1) {
    l.for_task_blocks(0, fn);
    return;
  }
  ThreadPool::global().run(tasks, [&](int64_t t, int) { l.for_task_blocks(t, fn); });
}

}  // namespace deepsc::cpu
