#pragma once
// Cheap recomputation: values the backward reads that are cheaper to compute again than to
// keep. A forward value a backward step reads is kept from its forward until that step; when
// the op that made it is cheap (elementwise and structure ops, normalisations, convolutions of
// at most kCheapMacs multiply-adds per output element) and everything it is made from is alive
// anyway at that step (read by a later backward step, a leaf, or itself made the same way), the
// planner drops it after the forward and recomputes it there instead (recompute.cpp), so it
// takes memory only around its backward readers. Bitwise neutral: kernels are deterministic.
// The executor plans with and without it and keeps the smaller arena (graph/executor.cpp).
#include <vector>

#include "graph/program.h"

namespace deepsc::graph {

/// Convolutions of at most this many multiply-adds per output element count as cheap (the
/// 1x1x1 resampling convolutions of DeepSC-COVID's cross-stitch: 12 and 24).
inline constexpr int64_t kCheapMacs = 32;

/// Whether node `n`'s forward is cheap enough to run again in the backward pass.
bool cheap_to_recompute(const Graph& g, int n);

/// The node sets to recompute, from `p` after the backward steps are added and with its
/// liveness computed: one set per value kept for the backward that is made by a cheap node
/// from values alive anyway at its first backward reader (the set holds that node and the
/// cheap nodes between it and those values).
std::vector<std::vector<int>> cheap_recompute_sets(const Graph& g, const Program& p);

}  // namespace deepsc::graph
