#include "graph/planner.h"

#include <algorithm>
#include <numeric>

namespace deepsc::graph {

namespace {
int64_t aligned(int64_t floats) { return (std::max<int64_t>(floats, 1) + kArenaAlignFloats - 1) / kArenaAlignFloats * kArenaAlignFloats; }
}  // namespace

namespace {
// Where `b` starts: its own offset, or (planned in place over another buffer) that buffer's
// start plus its offset within it (a concat input in its output).
int64_t placed_offset(const Program& p, int b) {
  int64_t within = 0;
  while (p.buffers[static_cast<size_t>(b)].alias_of >= 0) {
    within += std::max<int64_t>(p.buffers[static_cast<size_t>(b)].alias_offset, 0);
    b = p.buffers[static_cast<size_t>(b)].alias_of;
  }
  return p.buffers[static_cast<size_t>(b)].offset + within;
}

void place_aliases(Program& p) {
  std::vector<int64_t> at(p.buffers.size());
  for (size_t b = 0; b < p.buffers.size(); ++b) at[b] = placed_offset(p, static_cast<int>(b));
  for (size_t b = 0; b < p.buffers.size(); ++b)
    if (p.buffers[b].alias_of >= 0) p.buffers[b].offset = at[b];
}

void find_peak(const Program& p, ArenaPlan& plan) {
  // Live floats per step by a sweep over [first, last] intervals.
  const size_t n = p.steps.size() + 1;
  std::vector<int64_t> delta(n + 1, 0);
  for (const Buffer& b : p.buffers) {
    if (b.place != Place::arena || b.alias_of >= 0 || b.last < 0) continue;
    delta[static_cast<size_t>(b.first)] += aligned(b.floats);
    delta[static_cast<size_t>(b.last) + 1] -= aligned(b.floats);
  }
  int64_t live = 0;
  for (size_t s = 0; s < n; ++s) {
    live += delta[s];
    if (live > plan.peak_live_floats) {
      plan.peak_live_floats = live;
      plan.peak_step = static_cast<int>(s);
    }
  }
}
}  // namespace

std::vector<int> live_at(const Program& p, int step) {
  std::vector<int> r;
  for (size_t b = 0; b < p.buffers.size(); ++b) {
    const Buffer& buf = p.buffers[b];
    if (buf.place == Place::arena && buf.alias_of < 0 && buf.first <= step && step <= buf.last) r.push_back(static_cast<int>(b));
  }
  std::stable_sort(r.begin(), r.end(), [&](int a, int b) {
    return p.buffers[static_cast<size_t>(a)].floats > p.buffers[static_cast<size_t>(b)].floats;
  });
  return r;
}

ArenaPlan plan_arena(Program& p, Reuse reuse) {
  std::vector<int> order;
  ArenaPlan plan;
  find_peak(p, plan);
  for (size_t b = 0; b < p.buffers.size(); ++b)
    if (p.buffers[b].place == Place::arena && p.buffers[b].alias_of < 0) {
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
    place_aliases(p);
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
  place_aliases(p);
  return plan;
}

}  // namespace deepsc::graph
