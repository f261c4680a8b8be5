#pragma once
// Shared launch shape for the elementwise kernels: a grid-stride loop over int64 indices, so
// any size fits one launch and the grid stays small.
#include <cuda_runtime.h>

#include <cstdint>

namespace deepsc::cuda {

inline constexpr int kThreads = 256;

/// Blocks for `n` elements: enough to fill the GPU, capped (grid-stride loops do the rest).
inline unsigned blocks_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 1 ? 1 : b > 65535 * 8 ? 65535 * 8 : b);
}

#define DEEPSC_GRID_STRIDE(i, n)                                                                     \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);             \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

}  // namespace deepsc::cuda
