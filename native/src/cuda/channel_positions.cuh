#pragma once
// Work along the channel axis 1 of [N, C, S...] tensors on the GPU (softmax, log_softmax,
// cross_entropy, focal): one thread per position (n, s), looping over the channels in order,
// as the CPU's inner loops do per position (src/cpu/channel_blocks.h), so every per-position
// sum has the CPU's order. Neighbouring threads read neighbouring positions of one channel:
// coalesced. Included by those ops' .cu files.
#include <cuda_runtime.h>

#include <cstdint>

#include "deepsc/shape.h"

namespace deepsc::cuda {

namespace {

/// x [N, C, ...] (rank >= 2) as (N, C, product of the rest).
struct ChannelDims {
  int64_t n = 1, c = 1, s = 1;
  __host__ __device__ int64_t positions() const { return n * s; }
};

inline ChannelDims channel_dims(const Shape& x) {
  ChannelDims d;
  d.n = x[0];
  d.c = x[1];
  for (int i = 2; i < x.rank(); ++i) d.s *= x[i];
  return d;
}

/// Offset of channel 0 of position `pos` (= n S + s); channel c is at + c S.
__device__ inline int64_t channel_base(const ChannelDims& d, int64_t pos) {
  const int64_t n = pos / d.s, s = pos - n * d.s;
  return n * d.c * d.s + s;
}

/// max over channels (fmaxf, as the CPU's std::fmax) of xb[c S].
__device__ inline float channel_max(const float* xb, int64_t c, int64_t s) {
  float m = xb[0];
  for (int64_t k = 1; k < c; ++k) m = fmaxf(m, xb[k * s]);
  return m;
}

/// The log-softmax normaliser of one position: mx (channel_max) and log sum_c exp(x_c - mx)
/// summed in double, as the CPU's log_normaliser (for a confident prediction the sum is
/// 1 + tiny, which float would round to 1).
__device__ inline double log_normaliser(const float* xb, int64_t c, int64_t s, float* mx) {
  const float m = channel_max(xb, c, s);
  double sum = 0;
  for (int64_t k = 0; k < c; ++k) sum += static_cast<double>(expf(__fsub_rn(xb[k * s], m)));
  *mx = m;
  return log(sum);
}

}  // namespace

}  // namespace deepsc::cuda
