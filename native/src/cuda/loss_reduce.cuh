#pragma once
// Whole-tensor sums for the losses (cross_entropy, focal, mse), deterministic: a grid of
// loss_blocks(n) blocks (a function of the size only, never of the GPU) each sums a fixed
// grid-stride share of the terms in double and combines its threads by reduce.cuh's fixed
// tree into its own partial; a one-block kernel then adds the partials the same way and hands
// the totals to the op's finishing step. No atomics: every run gives the same bits.
//
// The class losses also look for the first invalid position (a bad target or mask) in the
// same pass: each thread keeps the smallest such position of its share (it visits them in
// increasing order) and the blocks and the final kernel take the minimum, so the host can
// raise the CPU's error naming the same position. Included by the loss .cu files.
#include <cuda_runtime.h>

#include <climits>
#include <cstdint>

#include "cuda/reduce.cuh"

namespace deepsc::cuda {

namespace {

// At most 1024 blocks of 256 threads: about 8 blocks per SM on an H100, enough loads in flight
// for these memory-bound passes, and still a small final pass. (The host-thread emulation,
// test/cuda_emu/host_threads, lowers it so that small cases exercise the grid-stride wrap.)
#ifndef DEEPSC_LOSS_MAX_BLOCKS
#define DEEPSC_LOSS_MAX_BLOCKS 1024
#endif
constexpr int kLossThreads = 256;  // a multiple of 32, as block_sum needs
constexpr int kLossMaxBlocks = DEEPSC_LOSS_MAX_BLOCKS;
constexpr long long kNoBad = LLONG_MAX;

/// Blocks for n terms: one per kLossThreads terms, at least 1 (so empty inputs still write
/// their totals), at most kLossMaxBlocks.
inline unsigned loss_blocks(int64_t n) {
  const int64_t b = (n + kLossThreads - 1) / kLossThreads;
  return static_cast<unsigned>(b < 1 ? 1 : b > kLossMaxBlocks ? kLossMaxBlocks : b);
}

__device__ inline long long warp_min(long long v) {
  for (int off = 16; off > 0; off >>= 1) {
    const long long o = __shfl_xor_sync(0xffffffffu, v, off);
    v = o < v ? o : v;
  }
  return v;
}

/// Minimum of `v` over the block; thread 0 gets it. `scratch` holds 32 values in shared memory.
__device__ inline long long block_min(long long v, long long* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_min(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  const int warps = static_cast<int>(blockDim.x >> 5);
  v = threadIdx.x < warps ? scratch[threadIdx.x] : kNoBad;
  if (warp == 0) v = warp_min(v);
  __syncthreads();
  return v;
}

/// Block b's K partial sums go to part[k * gridDim.x + b], its first bad position (kNoBad if
/// none) to bad[b] when bad is not null. Called by every thread of the block.
template <int K>
__device__ inline void store_block_partials(const double (&acc)[K], long long first_bad, double* part,
                                            long long* bad) {
  __shared__ double scratch[32];
  __shared__ long long mscratch[32];
  for (int k = 0; k < K; ++k) {
    const double s = block_sum(acc[k], scratch);
    if (threadIdx.x == 0) part[k * gridDim.x + blockIdx.x] = s;
  }
  if (bad) {
    const long long m = block_min(first_bad, mscratch);
    if (threadIdx.x == 0) bad[blockIdx.x] = m;
  }
}

/// One block (kLossThreads threads): adds the `blocks` partials of each of the K sums in a
/// fixed order, takes the minimum bad position into *bad_out (when bad is not null), and
/// calls fin(totals) on thread 0.
template <int K, class Fin>
__global__ void finish_partials(const double* __restrict__ part, const long long* __restrict__ bad, int blocks,
                                long long* __restrict__ bad_out, Fin fin) {
  __shared__ double scratch[32];
  __shared__ long long mscratch[32];
  double totals[K];
  for (int k = 0; k < K; ++k) {
    double acc = 0;
    for (int b = static_cast<int>(threadIdx.x); b < blocks; b += static_cast<int>(blockDim.x))
      acc += part[k * blocks + b];
    totals[k] = block_sum(acc, scratch);
  }
  if (bad) {
    long long m = kNoBad;
    for (int b = static_cast<int>(threadIdx.x); b < blocks; b += static_cast<int>(blockDim.x))
      m = bad[b] < m ? bad[b] : m;
    m = block_min(m, mscratch);
    if (threadIdx.x == 0) *bad_out = m;
  }
  if (threadIdx.x == 0) fin(totals);
}

}  // namespace

}  // namespace deepsc::cuda
