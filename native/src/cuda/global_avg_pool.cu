// global_avg_pool on the GPU: the CPU twin is src/cpu/global_avg_pool.cpp, cut the same way
// (norm_chunks.cuh): one block sums each chunk of a row in double, one thread per row adds
// its chunks in order and divides by the row length. Backward spreads g / S over the row.
// Scratch (op_scratch.cuh): one double partial per chunk.
#include "cuda/norm_chunks.cuh"
#include "cuda/op_api.h"
#include "cuda/op_scratch.cuh"

namespace deepsc::cuda {

namespace {

constexpr const char* kOp = "global_avg_pool";

__global__ void row_means(Chunks L, const double* __restrict__ part, float* __restrict__ y) {
  DEEPSC_GRID_STRIDE(r, L.rows) {
    double s = 0;
    for (int64_t k = 0; k < L.per; ++k) s += part[r * L.per + k];
    y[r] = static_cast<float>(s / static_cast<double>(L.s));
  }
}

// dx[i] = g[row] (1 / S), the factor rounded to float as the CPU.
__global__ void spread(int64_t n, int64_t s, float inv, const float* __restrict__ g, float* __restrict__ dx) {
  DEEPSC_GRID_STRIDE(i, n) dx[i] = __fmul_rn(g[i / s], inv);
}

}  // namespace

void global_avg_pool_forward(const GlobalAvgPoolParams&, const OpArgs& a) {
  const Chunks L = chunks_of(row_chunks(a.in[0].shape));
  if (a.in[0].numel() == 0) return;  // infer() rejects empty x
  ScratchPlan plan;
  const int64_t o_part = plan.add<double>(L.chunks());
  OpScratch s(plan, kOp);
  double* part = s.at<double>(o_part);
  chunk_sums<<<static_cast<unsigned>(L.chunks()), chunk_threads(L.s)>>>(L, a.in[0].data, part);
  check_op_launch(kOp, "chunk sums");
  row_means<<<blocks_for(L.rows), kThreads>>>(L, part, a.out[0].data);
  check_op_launch(kOp, "row means");
}

void global_avg_pool_backward(const GlobalAvgPoolParams&, const OpGradArgs& a) {
  const int64_t n = a.in[0].numel();
  if (!a.grad_in[0].present() || n == 0) return;
  const Chunks L = chunks_of(row_chunks(a.in[0].shape));
  const float inv = static_cast<float>(1.0 / static_cast<double>(L.s));
  spread<<<blocks_for(n), kThreads>>>(n, L.s, inv, a.grad_out[0].data, a.grad_in[0].data);
  check_op_launch(kOp, "backward");
}

}  // namespace deepsc::cuda
