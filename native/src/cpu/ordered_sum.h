#pragma once
// Deterministic parallel sums: the work is cut into tasks whose boundaries depend only on the
// problem size; each task returns its own partial sums (in double), and the partials are added
// in task order. The result is therefore bitwise the same for any thread count.
#include <array>
#include <cstdint>
#include <vector>

#include "deepsc/threadpool.h"

namespace deepsc::cpu {

/// Runs fn(task) -> std::array<double, K> for every task in [0, ntasks) on the pool and
/// returns the element-wise sum of the results, added in task order.
template <int K, class Fn>
std::array<double, K> ordered_sum(int64_t ntasks, Fn&& fn) {
  std::array<double, K> total{};
  if (ntasks <= 0) return total;
  std::vector<std::array<double, K>> partial(static_cast<size_t>(ntasks));
  if (ntasks == 1) {
    partial[0] = fn(int64_t(0));
  } else {
    ThreadPool::global().run(ntasks, [&](int64_t t, int) { partial[static_cast<size_t>(t)] = fn(t); });
  }
  for (const auto& p : partial)
    for (int k = 0; k < K; ++k) total[k] += p[k];
  return total;
}

}  // namespace deepsc::cpu
