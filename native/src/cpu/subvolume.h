#pragma once
// Row copies between an NCDHW volume and a sub-volume of it (crop, paste). A row is one run
// along W; rows are independent, so tasks of whole rows write disjoint memory.
#include <algorithm>
#include <array>
#include <cstring>

#include "cpu/kernels.h"

namespace deepsc::cpu {

enum class RegionCopy { volume_to_region, region_to_volume };

/// Copies between `vol` (shape `vs`, NCDHW) and the contiguous `region` (shape `rs`) that
/// lies at `off` inside it, in the direction `dir`.
inline void copy_region(float* vol, const Shape& vs, float* region, const Shape& rs, const std::array<int64_t, 3>& off,
                        RegionCopy dir) {
  const int64_t rows = rs[0] * rs[1] * rs[2] * rs[3], w = rs[4];
  if (rows == 0 || w == 0) return;
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / w), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t h = r % rs[3], d = (r / rs[3]) % rs[2], nc = r / (rs[3] * rs[2]);
      float* v = vol + ((nc * vs[2] + d + off[0]) * vs[3] + h + off[1]) * vs[4] + off[2];
      float* g = region + r * w;
      if (dir == RegionCopy::volume_to_region) std::memcpy(g, v, sizeof(float) * static_cast<size_t>(w));
      else std::memcpy(v, g, sizeof(float) * static_cast<size_t>(w));
    }
  });
}

/// Sets the region of `vol` at `off` with extent rs[2..4] to zero.
inline void zero_region(float* vol, const Shape& vs, const Shape& rs, const std::array<int64_t, 3>& off) {
  const int64_t rows = rs[0] * rs[1] * rs[2] * rs[3], w = rs[4];
  if (rows == 0 || w == 0) return;
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / w), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t h = r % rs[3], d = (r / rs[3]) % rs[2], nc = r / (rs[3] * rs[2]);
      std::fill_n(vol + ((nc * vs[2] + d + off[0]) * vs[3] + h + off[1]) * vs[4] + off[2], w, 0.f);
    }
  });
}

/// dst = src, n floats, in parallel.
inline void parallel_copy(float* dst, const float* src, int64_t n) {
  parallel_for(n, kElementwiseGrain,
               [&](int64_t b, int64_t e) { std::memcpy(dst + b, src + b, sizeof(float) * static_cast<size_t>(e - b)); });
}

/// dst = 0, n floats, in parallel.
inline void parallel_zero(float* dst, int64_t n) {
  parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) { std::fill(dst + b, dst + e, 0.f); });
}

}  // namespace deepsc::cpu
