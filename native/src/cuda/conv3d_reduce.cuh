#pragma once
// conv3d's second-level sums, deterministic (fixed order, no atomics): the split-K partials of
// the fast kernel, and the bias gradient. The per-element bodies are __host__ __device__ so
// the host emulation (test/cuda_emu) runs them.
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/elementwise.cuh"
#include "cuda/reduce.cuh"

namespace deepsc::cuda::conv3d {

/// Split sums: out[i] = the sum over the splits of part[s total + i] (+ bias[(i / sp) % K],
/// the forward's bias, once after the sum). A block of 32 x ny threads takes 32 consecutive
/// outputs (coalesced reads); thread (x, y) sums the splits s = y, y + ny, ... in order
/// (double), and the ny partials of an output are then added in y order. ny (1, 8 or 32, from
/// the split count) spreads a long split list over more threads: backward-weight of a thin
/// layer has few outputs and a thousand splits. Fixed order: deterministic.
constexpr int kSplitSumX = 32;

inline int split_sum_rows(int splits) { return splits >= 64 ? 32 : splits >= 8 ? 8 : 1; }

/// Thread y's share of output i (splits y, y + ny, ...).
__host__ __device__ inline double split_sum_part(const float* part, int splits, int64_t total, int ny, int y,
                                                 int64_t i) {
  double acc = 0;
  for (int s = y; s < splits; s += ny) acc += part[s * total + i];
  return acc;
}

/// The ny shares of an output, added in order, plus the bias.
__host__ __device__ inline float split_sum_finish(const double* shares, int ny, int stride, const float* bias,
                                                  int64_t sp, int64_t K, int64_t i) {
  double acc = 0;
  for (int y = 0; y < ny; ++y) acc += shares[y * stride];
  return static_cast<float>(acc) + (bias ? bias[(i / sp) % K] : 0.f);
}

/// Grid: ceil(total / 32) blocks of (32, ny) threads.
__global__ void split_sum(const float* __restrict__ part, int splits, int64_t total, const float* __restrict__ bias,
                          int64_t sp, int64_t K, float* __restrict__ out) {
  __shared__ double shares[32][kSplitSumX];
  const int x = static_cast<int>(threadIdx.x), y = static_cast<int>(threadIdx.y), ny = static_cast<int>(blockDim.y);
  const int64_t i = static_cast<int64_t>(blockIdx.x) * kSplitSumX + x;
  shares[y][x] = i < total ? split_sum_part(part, splits, total, ny, y, i) : 0.0;
  __syncthreads();
  if (y == 0 && i < total) out[i] = split_sum_finish(&shares[0][x], ny, kSplitSumX, bias, sp, K, i);
}

/// Positions one bias-gradient block sums (per sample, per channel).
constexpr int64_t kBiasChunk = 8192;

/// Bias gradient, level 1: block b = (k, chunk) with chunk = (n, piece of kBiasChunk
/// positions) sums dy[n, k, piece] in double (fixed tree) into part[b].
__global__ void bias_partial(const float* __restrict__ dy, double* __restrict__ part, int64_t K, int64_t sp,
                             int64_t per_n, int64_t chunks) {
  __shared__ double scratch[32];
  const int64_t b = blockIdx.x, k = b / chunks, c = b % chunks, n = c / per_n, piece = c % per_n;
  const int64_t lo = piece * kBiasChunk, hi = lo + kBiasChunk < sp ? lo + kBiasChunk : sp;
  const float* row = dy + (n * K + k) * sp;
  double acc = 0;
  for (int64_t o = lo + threadIdx.x; o < hi; o += blockDim.x) acc += row[o];
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) part[b] = acc;
}

/// Bias gradient, level 2: db[k] = sum of channel k's chunks, in order.
__host__ __device__ inline float bias_finish_at(const double* part, int64_t chunks, int64_t k) {
  double acc = 0;
  for (int64_t c = 0; c < chunks; ++c) acc += part[k * chunks + c];
  return static_cast<float>(acc);
}

__global__ void bias_finish(const double* __restrict__ part, int64_t K, int64_t chunks, float* __restrict__ db) {
  DEEPSC_GRID_STRIDE(k, K) db[k] = bias_finish_at(part, chunks, k);
}

/// y[n, k, o] = b[k]: the forward of a convolution with an empty reduction (C = 0).
__global__ void fill_bias(float* __restrict__ y, const float* __restrict__ bias, int64_t K, int64_t sp, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[i] = bias[(i / sp) % K];
}

}  // namespace deepsc::cuda::conv3d
