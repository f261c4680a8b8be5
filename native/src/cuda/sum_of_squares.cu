// The squared global gradient norm for clipping, deterministic: a fixed grid of kBlocks blocks
// (independent of the GPU) each sums a fixed grid-stride share of the terms in double and
// combines its threads by the fixed tree of reduce.cuh; a second one-block kernel adds the
// kBlocks partials the same way. No atomics, so every run gives the same bits.
//
// Scratch layout (doubles): [0, kBlocks) partials (reused by every call: calls are ordered
// on the default stream), [kBlocks, kBlocks + count) the results.
#include <cuda_runtime.h>

#include "cuda/check.cuh"
#include "cuda/optim.h"
#include "cuda/reduce.cuh"
#include "cuda/vector_ops.h"

namespace deepsc::cuda {

namespace {

constexpr int kBlocks = 256;
constexpr int kThreads = 256;  // a multiple of 32, as block_sum needs

__global__ void ssq_partials(const float* __restrict__ x, int64_t n, double* __restrict__ partials) {
  __shared__ double scratch[32];
  double acc = 0;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const double v = x[i];
    acc += v * v;
  }
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

__global__ void ssq_final(const double* __restrict__ partials, int count, double* __restrict__ out) {
  __shared__ double scratch[32];
  double acc = 0;
  for (int i = static_cast<int>(threadIdx.x); i < count; i += static_cast<int>(blockDim.x)) acc += partials[i];
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) *out = acc;
}

}  // namespace

int64_t sum_of_squares_scratch_floats(int count) { return 2 * (static_cast<int64_t>(kBlocks) + count); }

void sum_of_squares(const float* x, int64_t n, float* scratch, int count, int slot) {
  if (slot < 0 || slot >= count)
    fail(ErrorKind::Range, "clip_grad_norm", "result slot " + std::to_string(slot) + " outside [0, " + std::to_string(count) + ")");
  double* d = reinterpret_cast<double*>(scratch);  // cudaMalloc memory: aligned for double
  // Launched even for n == 0 so the slot is written (0).
  ssq_partials<<<kBlocks, kThreads>>>(x, n < 0 ? 0 : n, d);
  check_launch("clip_grad_norm (partial sums)");
  ssq_final<<<1, kThreads>>>(d, kBlocks, d + kBlocks + slot);
  check_launch("clip_grad_norm (final sum)");
}

void read_sums_of_squares(const float* scratch, int count, double* host) {
  if (count <= 0) return;
  const double* d = reinterpret_cast<const double*>(scratch);
  DEEPSC_CUDA_CHECK(cudaMemcpy(host, d + kBlocks, static_cast<size_t>(count) * sizeof(double), cudaMemcpyDeviceToHost));
}

}  // namespace deepsc::cuda
