#pragma once
// Per-row reductions over [rows, S] data on the GPU for group_norm, instance_norm, batch_norm
// and global_avg_pool, cut like the CPU's (deepsc/ops/row_chunks.h): each row (a (sample,
// channel) pair) is split into chunks of kRowChunk elements; one block reduces one chunk into
// its own double partial (fixed thread shares, fixed tree: reduce.cuh), and a second kernel
// combines the partials of a statistic in chunk order, one thread per statistic, as the CPU
// does. No atomics: every run gives the same bits. The elementwise passes (apply the affine
// map, apply the gradient coefficients) use the CPU's float expressions with explicit _rn
// intrinsics (no contraction into FMAs, which the CPU build does not do either), so they only
// differ from the CPU through the statistics. Included by the norm and pooling .cu files.
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/elementwise.cuh"
#include "cuda/reduce.cuh"
#include "deepsc/ops/row_chunks.h"
#include "deepsc/tensor.h"

namespace deepsc::cuda {

namespace {

/// The device's view of RowChunks: `rows` rows of `s` elements, `per` chunks per row.
struct Chunks {
  int64_t rows = 0, s = 1, per = 1;
  __host__ __device__ int64_t chunks() const { return rows * per; }
};

inline Chunks chunks_of(const RowChunks& L) { return {L.rows(), L.s, L.per}; }

/// Threads for a block that reduces one chunk: 256, or fewer (a multiple of 32, as
/// block_sum needs) when rows are short, so tiny rows do not idle 256 threads.
inline unsigned chunk_threads(int64_t s) {
  if (s >= 256) return 256;
  return static_cast<unsigned>((s + 31) / 32 * 32 < 32 ? 32 : (s + 31) / 32 * 32);
}

/// Which statistic row r (= n C + c) uses: channel c (batch_norm) or the group of (n, c).
struct StatMap {
  int64_t c = 1, cpg = 1, groups = 1;
  bool per_channel = false;
  __host__ __device__ int64_t operator()(int64_t r) const {
    return per_channel ? r % c : (r / c) * groups + (r % c) / cpg;
  }
};

/// Element range [b, e) of chunk t and its row.
__device__ inline void chunk_range(const Chunks& L, int64_t t, int64_t* r, int64_t* b, int64_t* e) {
  *r = t / L.per;
  *b = (t % L.per) * kRowChunk;
  *e = *b + kRowChunk < L.s ? *b + kRowChunk : L.s;
}

/// Sums a chunk's terms f(i) over the block (thread 0 gets the total).
template <class F>
__device__ inline double chunk_block_sum(int64_t b, int64_t e, F f, double* scratch) {
  double acc = 0;
  for (int64_t i = b + threadIdx.x; i < e; i += blockDim.x) acc += f(i);
  return block_sum(acc, scratch);
}

/// Per chunk t: its mean and M2 (sum of squared deviations from that mean, so no
/// cancellation) into part[2t], part[2t + 1]. One block per chunk.
__global__ void chunk_moments(Chunks L, const float* __restrict__ x, double* __restrict__ part) {
  __shared__ double scratch[32];
  __shared__ double mean_sh;
  const int64_t t = blockIdx.x;
  int64_t r, b, e;
  chunk_range(L, t, &r, &b, &e);
  const float* p = x + r * L.s;
  const double sum = chunk_block_sum(b, e, [&](int64_t i) { return static_cast<double>(p[i]); }, scratch);
  if (threadIdx.x == 0) mean_sh = sum / static_cast<double>(e - b);
  __syncthreads();
  const double mean = mean_sh;
  const double m2 = chunk_block_sum(
      b, e,
      [&](int64_t i) {
        const double d = static_cast<double>(p[i]) - mean;
        return d * d;
      },
      scratch);
  if (threadIdx.x == 0) {
    part[2 * t] = mean;
    part[2 * t + 1] = m2;
  }
}

/// Per chunk t: sum x into part[t]. One block per chunk.
__global__ void chunk_sums(Chunks L, const float* __restrict__ x, double* __restrict__ part) {
  __shared__ double scratch[32];
  const int64_t t = blockIdx.x;
  int64_t r, b, e;
  chunk_range(L, t, &r, &b, &e);
  const float* p = x + r * L.s;
  const double sum = chunk_block_sum(b, e, [&](int64_t i) { return static_cast<double>(p[i]); }, scratch);
  if (threadIdx.x == 0) part[t] = sum;
}

/// Per chunk t: sum g and sum g (x - mean) with the row's statistic's mean (stats[2 st], as
/// float, like the CPU) into part[2t], part[2t + 1]. One block per chunk.
__global__ void chunk_grad_sums(Chunks L, StatMap map, const float* __restrict__ g, const float* __restrict__ x,
                                const float* __restrict__ stats, double* __restrict__ part) {
  __shared__ double scratch[32];
  const int64_t t = blockIdx.x;
  int64_t r, b, e;
  chunk_range(L, t, &r, &b, &e);
  const float* gp = g + r * L.s;
  const float* xp = x + r * L.s;
  const double m = stats[2 * map(r)];
  double sg = 0, sgx = 0;  // one pass over g and x for both sums
  for (int64_t i = b + threadIdx.x; i < e; i += blockDim.x) {
    const double gv = gp[i];
    sg += gv;
    sgx += gv * (static_cast<double>(xp[i]) - m);
  }
  sg = block_sum(sg, scratch);
  sgx = block_sum(sgx, scratch);
  if (threadIdx.x == 0) {
    part[2 * t] = sg;
    part[2 * t + 1] = sgx;
  }
}

/// Running count, mean and M2, merged with Chan et al.'s pairwise formula (as the CPU's
/// norm::Moments).
struct Moments {
  double n = 0, mean = 0, m2 = 0;
  __device__ void add(double nb, double mb, double m2b) {
    const double nt = n + nb, d = mb - mean;
    mean += d * nb / nt;
    m2 += m2b + d * d * n * nb / nt;
    n = nt;
  }
  /// Adds every chunk of row r, in chunk order.
  __device__ void add_row(const Chunks& L, const double* part, int64_t r) {
    for (int64_t k = 0; k < L.per; ++k) {
      const int64_t t = r * L.per + k;
      const int64_t b = k * kRowChunk, e = b + kRowChunk < L.s ? b + kRowChunk : L.s;
      add(static_cast<double>(e - b), part[2 * t], part[2 * t + 1]);
    }
  }
  __device__ double var() const { return m2 / n; }  ///< biased
};

/// The two chunk partials of row r summed in chunk order.
__device__ inline void row_totals(const Chunks& L, const double* part, int64_t r, double* a, double* b) {
  double sa = 0, sb = 0;
  for (int64_t k = 0; k < L.per; ++k) {
    sa += part[2 * (r * L.per + k)];
    sb += part[2 * (r * L.per + k) + 1];
  }
  *a = sa;
  *b = sb;
}

/// y = x scale + shift per row, scale = rstd gamma[c], shift = beta[c] - mean scale (floats,
/// as the CPU's coefficients). stats[2 st] = mean, stats[2 st + 1] = rstd.
__global__ void apply_affine(int64_t n, int64_t s, int64_t channels, StatMap map, const float* __restrict__ stats,
                             const float* __restrict__ gamma, const float* __restrict__ beta,
                             const float* __restrict__ x, float* __restrict__ y) {
  DEEPSC_GRID_STRIDE(i, n) {
    const int64_t r = i / s, c = r % channels, st = map(r);
    const float scale = __fmul_rn(stats[2 * st + 1], gamma ? gamma[c] : 1.f);
    const float shift = __fsub_rn(beta ? beta[c] : 0.f, __fmul_rn(stats[2 * st], scale));
    y[i] = __fadd_rn(__fmul_rn(x[i], scale), shift);
  }
}

/// dx = a g + b x + d per row with a = rstd gamma[c] (rounded to float from double, as the
/// CPU) and the statistic's b = bd[2 st], d = bd[2 st + 1].
__global__ void apply_grad(int64_t n, int64_t s, int64_t channels, StatMap map, const float* __restrict__ stats,
                           const float* __restrict__ bd, const float* __restrict__ gamma, const float* __restrict__ g,
                           const float* __restrict__ x, float* __restrict__ dx) {
  DEEPSC_GRID_STRIDE(i, n) {
    const int64_t r = i / s, c = r % channels, st = map(r);
    const double gm = gamma ? static_cast<double>(gamma[c]) : 1.0;
    const float a = static_cast<float>(static_cast<double>(stats[2 * st + 1]) * gm);
    dx[i] = __fadd_rn(__fadd_rn(__fmul_rn(a, g[i]), __fmul_rn(bd[2 * st], x[i])), bd[2 * st + 1]);
  }
}

/// A per-channel input (gamma, beta, running statistics): its data, or nullptr when absent
/// (absent optional inputs arrive with rank 0).
inline const float* per_channel_data(const TensorView& v) {
  return v.present() && v.shape.rank() == 1 ? v.data : nullptr;
}

}  // namespace

}  // namespace deepsc::cuda
