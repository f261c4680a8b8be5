#pragma once
// How the normalisation and global pooling kernels cut [rows, S] data (rows = N x C, S = the
// spatial size) for deterministic reductions: every row is split into chunks of kRowChunk
// elements; a chunk is one unit of work with its own partial-result slot, and partials are
// combined in chunk order. Chunk boundaries depend only on the shape, so results are bitwise
// identical for any thread count. Shared by the ops' workspace sizes and the CPU kernels.
#include <algorithm>
#include <cstdint>

#include "deepsc/shape.h"

namespace deepsc {

inline constexpr int64_t kRowChunk = 1 << 14;

struct RowChunks {
  int64_t n = 1;     ///< batch
  int64_t c = 1;     ///< channels
  int64_t s = 1;     ///< elements per row (product of the spatial dims)
  int64_t per = 1;   ///< chunks per row

  int64_t rows() const { return n * c; }
  int64_t chunks() const { return rows() * per; }
  /// Chunks per parallel task: short rows are batched so a task holds about kRowChunk elements.
  int64_t chunks_per_task() const { return std::max<int64_t>(1, kRowChunk / std::max<int64_t>(1, std::min(s, kRowChunk))); }
  /// Element range [b, e) of chunk k within its row.
  int64_t begin(int64_t k) const { return k * kRowChunk; }
  int64_t end(int64_t k) const { return std::min(s, (k + 1) * kRowChunk); }
};

/// x [N, C, ...] (rank >= 2) as rows of its spatial size.
inline RowChunks row_chunks(const Shape& x) {
  RowChunks r;
  r.n = x[0];
  r.c = x[1];
  for (int i = 2; i < x.rank(); ++i) r.s *= x[i];
  r.per = std::max<int64_t>(1, (r.s + kRowChunk - 1) / kRowChunk);
  return r;
}

}  // namespace deepsc
