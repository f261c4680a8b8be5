#pragma once
// Iteration over [N, C, S...] tensors for ops that work along the channel axis 1 (softmax,
// log_softmax, cross_entropy, focal). Positions (n, s) are cut into blocks of up to
// kChannelBlock spatial positions within one sample; inside a block the kernels loop over
// channels outside and positions inside, so the inner loops are contiguous and vectorise.
// A task is a run of consecutive blocks holding about kElementwiseGrain elements. Block and
// task boundaries depend only on the shape, never on the thread count.
#include <algorithm>
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
