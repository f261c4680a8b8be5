#include "graph/planner.h"

#include <algorithm>
#include <numeric>

namespace deepsc::graph {

namespace {
int64_t aligned(int64_t floats) { return (std::max<int64_t>(floats, 1) + kArenaAlignFloats - 1) / kArenaAlignFloats * kArenaAlignFloats; }
}  // namespace

ArenaPlan plan_arena(Program& p, Reuse reuse) {
  std::vector<int> order;
  ArenaPlan plan;
  for (size_t b = 0; b < p.buffers.size(); ++b)
    if (p.buffers[b].place == Place::arena) {
      order.push_back(static_cast<int>(b));
      plan.floats_without_reuse += aligned(p.buffers[b].floats);
    }
  if (reuse == Reuse::none) {
    int64_t at = 0;
    for (int b : order) {
      p.buffers[static_cast<size_t>(b)].offset = at;
      at += aligned(p.buffers[static_cast<size_t>(b)].floats);
    }
    plan.floats = at;
    return plan;
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const Buffer& x = p.buffers[static_cast<size_t>(a)];
    const Buffer& y = p.buffers[static_cast<size_t>(b)];
    if (aligned(x.floats) != aligned(y.floats)) return aligned(x.floats) > aligned(y.floats);
    return x.first < y.first;
  });
  std::vector<int> placed;
  std::vector<std::pair<int64_t, int64_t>> busy;  // [offset, end) of placed buffers alive with this one
  for (int b : order) {
    Buffer& buf = p.buffers[static_cast<size_t>(b)];
    const int64_t size = aligned(buf.floats);
    busy.clear();
    for (int o : placed) {
      const Buffer& ob = p.buffers[static_cast<size_t>(o)];
      if (ob.first <= buf.last && buf.first <= ob.last) busy.emplace_back(ob.offset, ob.offset + aligned(ob.floats));
    }
    std::sort(busy.begin(), busy.end());
    int64_t at = 0;
    for (const auto& [begin, end] : busy) {
      if (begin - at >= size) break;  // the gap before this block fits
      at = std::max(at, end);
    }
    buf.offset = at;
    plan.floats = std::max(plan.floats, at + size);
    placed.push_back(b);
  }
  return plan;
}

}  // namespace deepsc::graph
