#pragma once
// Arena planning: gives every arena buffer an offset so that buffers whose lifetimes overlap
// never share memory, while buffers that are never alive at the same time do.
#include <cstdint>

#include "graph/program.h"

namespace deepsc::graph {

/// Offsets are multiples of this many floats (64 bytes: a cache line, an AVX-512 vector).
inline constexpr int64_t kArenaAlignFloats = 16;

enum class Reuse { greedy_by_size, none };

struct ArenaPlan {
  int64_t floats = 0;               ///< arena size (the peak)
  int64_t floats_without_reuse = 0; ///< what one buffer per value would take
  int peak_step = -1;               ///< the step where the most arena memory is live
  int64_t peak_live_floats = 0;     ///< what is live there (the arena is this plus fragmentation)
};

/// Arena buffers live at `step`, largest first.
std::vector<int> live_at(const Program& p, int step);

/// Assigns `offset` to every arena buffer of `p`. Greedy by size: buffers sorted by size
/// (largest first, ties by first use), each placed at the lowest aligned offset where it does
/// not overlap any already placed buffer with an intersecting lifetime. `Reuse::none` places
/// them end to end (for comparison and debugging). Buffers aliased in place take their
/// target's offset (plus, for a concat input, its place in the output).
ArenaPlan plan_arena(Program& p, Reuse reuse);

}  // namespace deepsc::graph
