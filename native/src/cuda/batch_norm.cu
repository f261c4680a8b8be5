// batch_norm on the GPU: the CPU twin is src/cpu/batch_norm.cpp, with the same structure:
// per-chunk moments (one block per chunk), per-channel statistics merged over samples and
// chunks in order (one thread per channel; in train mode that thread also moves the running
// statistics, in place, exactly as the CPU does), then the affine map. Backward recomputes the
// statistics, sums g and g (x - mean) per chunk, and applies dx = a g + b x + d (b = d = 0 in
// eval mode). Scratch (op_scratch.cuh): [2 x chunks partials (double) | 2 x C mean, rstd
// (float) | 2 x C b, d (float)].
#include "cuda/norm_chunks.cuh"
#include "cuda/op_api.h"
#include "cuda/op_scratch.cuh"

namespace deepsc::cuda {

namespace {

constexpr const char* kOp = "batch_norm";

// Per channel c: the statistics y is normalised with, the batch's (train: merged over
// samples, then chunks) or the running ones (eval). With `update` (train forward) and the
// running statistics given, moves them towards the batch's (unbiased variance, M > 1 checked
// in infer).
__global__ void channel_stats(Chunks L, int64_t channels, bool train, bool update, double momentum, double eps,
                              const double* __restrict__ part, float* __restrict__ run_mean,
                              float* __restrict__ run_var, float* __restrict__ stats) {
  DEEPSC_GRID_STRIDE(c, channels) {
    if (!train) {
      stats[2 * c] = run_mean[c];
      stats[2 * c + 1] = static_cast<float>(1.0 / sqrt(static_cast<double>(run_var[c]) + eps));
      continue;
    }
    Moments m;
    for (int64_t n = 0; n < L.rows / channels; ++n) m.add_row(L, part, n * channels + c);
    stats[2 * c] = static_cast<float>(m.mean);
    stats[2 * c + 1] = static_cast<float>(1.0 / sqrt(m.var() + eps));
    if (update && run_mean) {
      const double unbiased = m.m2 / (m.n - 1);
      run_mean[c] = static_cast<float>((1 - momentum) * run_mean[c] + momentum * m.mean);
      run_var[c] = static_cast<float>((1 - momentum) * run_var[c] + momentum * unbiased);
    }
  }
}

// Per channel c: A = sum g, B = sum g (x - mean) over samples (rows in sample order, each
// row's chunks in order), dgamma = rstd B, dbeta = A, and dx's coefficients b, d (0 in eval
// mode, where the statistics do not depend on x). Without `sums` (eval mode, dx only) A = B = 0.
__global__ void channel_grad_coef(Chunks L, int64_t channels, bool train, bool sums, const double* __restrict__ part,
                                  const float* __restrict__ stats, const float* __restrict__ gamma,
                                  float* __restrict__ dgamma, float* __restrict__ dbeta, float* __restrict__ bd) {
  const double M = static_cast<double>(L.rows / channels) * static_cast<double>(L.s);
  DEEPSC_GRID_STRIDE(c, channels) {
    double A = 0, B = 0;
    if (sums)
      for (int64_t n = 0; n < L.rows / channels; ++n) {
        double ra, rb;
        row_totals(L, part, n * channels + c, &ra, &rb);
        A += ra;
        B += rb;
      }
    if (dgamma) dgamma[c] = static_cast<float>(stats[2 * c + 1] * B);
    if (dbeta) dbeta[c] = static_cast<float>(A);
    const double gm = gamma ? gamma[c] : 1.0, mean = stats[2 * c], rstd = stats[2 * c + 1];
    double b = 0, d = 0;
    if (train) {
      b = -gm * rstd * rstd * rstd * B / M;
      d = -gm * rstd * A / M - b * mean;
    }
    bd[2 * c] = static_cast<float>(b);
    bd[2 * c + 1] = static_cast<float>(d);
  }
}

}  // namespace

void batch_norm_forward(const BatchNormParams& p, const OpArgs& a) {
  const RowChunks rc = row_chunks(a.in[0].shape);
  const Chunks L = chunks_of(rc);
  const int64_t numel = a.in[0].numel();
  if (numel == 0) return;  // infer() rejects empty x
  const bool train = p.mode == BatchNormMode::train;
  ScratchPlan plan;
  const int64_t o_part = plan.add<double>(train ? 2 * L.chunks() : 0), o_stats = plan.add<float>(2 * rc.c);
  OpScratch s(plan, kOp);
  double* part = s.at<double>(o_part);
  float* stats = s.at<float>(o_stats);
  if (train) {
    chunk_moments<<<static_cast<unsigned>(L.chunks()), chunk_threads(L.s)>>>(L, a.in[0].data, part);
    check_op_launch(kOp, "chunk moments");
  }
  channel_stats<<<blocks_for(rc.c), kThreads>>>(L, rc.c, train, true, p.momentum, p.eps, part,
                                                per_channel_data(a.in[3]) ? a.in[3].data : nullptr,
                                                per_channel_data(a.in[4]) ? a.in[4].data : nullptr, stats);
  check_op_launch(kOp, "channel statistics");
  const StatMap map{rc.c, 1, rc.c, true};
  apply_affine<<<blocks_for(numel), kThreads>>>(numel, rc.s, rc.c, map, stats, per_channel_data(a.in[1]),
                                                per_channel_data(a.in[2]), a.in[0].data, a.out[0].data);
  check_op_launch(kOp, "affine map");
}

void batch_norm_backward(const BatchNormParams& p, const OpGradArgs& a) {
  const TensorView &dx = a.grad_in[0], &dgamma = a.grad_in[1], &dbeta = a.grad_in[2];
  if (!dx.present() && !dgamma.present() && !dbeta.present()) return;
  const RowChunks rc = row_chunks(a.in[0].shape);
  const Chunks L = chunks_of(rc);
  const int64_t numel = a.in[0].numel();
  if (numel == 0) return;
  const bool train = p.mode == BatchNormMode::train;
  // In eval mode dx needs no sums: y is an affine map of x per channel.
  const bool need_sums = train || dgamma.present() || dbeta.present();
  const float* x = a.in[0].data;
  const float* g = a.grad_out[0].data;
  const float* gamma = per_channel_data(a.in[1]);
  ScratchPlan plan;
  const int64_t o_part = plan.add<double>(need_sums ? 2 * L.chunks() : 0), o_stats = plan.add<float>(2 * rc.c);
  const int64_t o_bd = plan.add<float>(2 * rc.c);
  OpScratch s(plan, kOp);
  double* part = s.at<double>(o_part);
  float* stats = s.at<float>(o_stats);
  float* bd = s.at<float>(o_bd);
  const unsigned chunks = static_cast<unsigned>(L.chunks()), threads = chunk_threads(L.s);
  if (train) {
    chunk_moments<<<chunks, threads>>>(L, x, part);
    check_op_launch(kOp, "chunk moments");
  }
  // Backward never touches the running statistics (update = false; they are only read in eval).
  channel_stats<<<blocks_for(rc.c), kThreads>>>(L, rc.c, train, false, p.momentum, p.eps, part,
                                                per_channel_data(a.in[3]) ? a.in[3].data : nullptr,
                                                per_channel_data(a.in[4]) ? a.in[4].data : nullptr, stats);
  check_op_launch(kOp, "channel statistics");
  const StatMap map{rc.c, 1, rc.c, true};
  if (need_sums) {
    chunk_grad_sums<<<chunks, threads>>>(L, map, g, x, stats, part);  // the moments are no longer needed
    check_op_launch(kOp, "chunk gradient sums");
  }
  channel_grad_coef<<<blocks_for(rc.c), kThreads>>>(L, rc.c, train, need_sums, part, stats, gamma, dgamma.data,
                                                    dbeta.data, bd);
  check_op_launch(kOp, "gradient coefficients");
  if (dx.present()) {
    apply_grad<<<blocks_for(numel), kThreads>>>(numel, rc.s, rc.c, map, stats, bd, gamma, g, x, dx.data);
    check_op_launch(kOp, "input gradient");
  }
}

}  // namespace deepsc::cuda
