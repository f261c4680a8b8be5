#pragma once
// Deterministic reductions: each thread's share of the terms is fixed by its index, partial
// sums are double, and they are combined by a fixed tree (shared memory / warp shuffles).
// No atomics, so the same inputs give bitwise the same result on every run.
#include <cuda_runtime.h>

namespace deepsc::cuda {

/// Sum of `v` over a warp, the same order every time; every lane gets the total.
__device__ inline double warp_sum(double v) {
  for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
  return v;
}

/// Sum of `v` over the block (blockDim.x a multiple of 32, at most 1024); thread 0 gets the
/// total. `scratch` holds 32 doubles in shared memory.
__device__ inline double block_sum(double v, double* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_sum(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  const int warps = static_cast<int>(blockDim.x >> 5);
  v = threadIdx.x < warps ? scratch[threadIdx.x] : 0.0;
  if (warp == 0) v = warp_sum(v);
  __syncthreads();  // scratch may be reused by the caller
  return v;
}

}  // namespace deepsc::cuda
