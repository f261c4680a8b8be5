#pragma once
// A sub-volume of an NCDHW volume (crop, paste): the region of extent r[0..2] whose first voxel
// is `off` in a volume of spatial extent v[0..2], for every (n, c). The kernels that use it map
// each element they write to the element it reads (gathers: one thread per written element,
// so no two threads write the same place and nothing depends on order).
#include <cuda_runtime.h>

#include <array>
#include <cstdint>

#include "deepsc/shape.h"

namespace deepsc::cuda::region {

struct Region {
  int64_t v[3], r[3], off[3];
  int64_t v_sp, r_sp;
};

/// `vol`: the volume's shape; `reg`: the region's (its N and C are the volume's).
inline Region make(const Shape& vol, const Shape& reg, const std::array<int64_t, 3>& off) {
  Region g{};
  g.v_sp = 1, g.r_sp = 1;
  for (int a = 0; a < 3; ++a) {
    g.v[a] = vol[2 + a], g.r[a] = reg[2 + a], g.off[a] = off[a];
    g.v_sp *= g.v[a], g.r_sp *= g.r[a];
  }
  return g;
}

/// The volume element under region element j.
__device__ inline int64_t volume_index(const Region& g, int64_t j) {
  const int64_t w = j % g.r[2], h = (j / g.r[2]) % g.r[1], d = (j / (g.r[2] * g.r[1])) % g.r[0];
  const int64_t nc = j / g.r_sp;
  return ((nc * g.v[0] + d + g.off[0]) * g.v[1] + h + g.off[1]) * g.v[2] + w + g.off[2];
}

/// The region element over volume element i, or -1 when i lies outside the region.
__device__ inline int64_t region_index(const Region& g, int64_t i) {
  const int64_t w = i % g.v[2] - g.off[2], h = (i / g.v[2]) % g.v[1] - g.off[1],
                d = (i / (g.v[2] * g.v[1])) % g.v[0] - g.off[0];
  if (w < 0 || w >= g.r[2] || h < 0 || h >= g.r[1] || d < 0 || d >= g.r[0]) return -1;
  const int64_t nc = i / g.v_sp;
  return ((nc * g.r[0] + d) * g.r[1] + h) * g.r[2] + w;
}

}  // namespace deepsc::cuda::region
