// group_norm on the GPU: the CPU twin is src/cpu/group_norm.cpp, with the same structure:
// per-chunk moments (one block per chunk), per (sample, group) statistics merged in channel
// and chunk order (one thread each), then the affine map; backward recomputes the statistics,
// sums g and g (x - mean) per chunk, and applies dx = a g + b x + d. Scratch (op_scratch.cuh):
// [2 x chunks partials (double) | 2 x (N groups) mean, rstd (float) | 2 x rows per-row sums
// (double) | 2 x (N groups) b, d (float)].
#include "cuda/group_norm.h"
#include "cuda/norm_chunks.cuh"
#include "cuda/op_api.h"
#include "cuda/op_scratch.cuh"

namespace deepsc::cuda {

namespace {

// Per (sample n, group gr) = st: mean and 1/sqrt(var + eps) (rounded to float, as the CPU).
__global__ void group_stats(Chunks L, int64_t channels, int64_t groups, double eps, const double* __restrict__ part,
                            float* __restrict__ stats) {
  const int64_t nst = (L.rows / channels) * groups, cpg = channels / groups;
  DEEPSC_GRID_STRIDE(st, nst) {
    const int64_t n = st / groups, gr = st % groups;
    Moments m;
    for (int64_t c = gr * cpg; c < (gr + 1) * cpg; ++c) m.add_row(L, part, n * channels + c);
    stats[2 * st] = static_cast<float>(m.mean);
    stats[2 * st + 1] = static_cast<float>(1.0 / sqrt(m.var() + eps));
  }
}

// Per (n, gr): the row sums A = sum g, B = sum g (x - mean) of its channels (kept for dgamma
// and dbeta), and the group's dx coefficients b, d.
__global__ void group_grad_coef(Chunks L, int64_t channels, int64_t groups, const double* __restrict__ part,
                                const float* __restrict__ stats, const float* __restrict__ gamma,
                                double* __restrict__ row_ab, float* __restrict__ bd) {
  const int64_t nst = (L.rows / channels) * groups, cpg = channels / groups;
  const double M = static_cast<double>(cpg) * static_cast<double>(L.s);
  DEEPSC_GRID_STRIDE(st, nst) {
    const int64_t n = st / groups, gr = st % groups;
    double s1 = 0, s2 = 0;  // sum gamma g, sum gamma g (x - mean) over the group
    for (int64_t c = gr * cpg; c < (gr + 1) * cpg; ++c) {
      const int64_t r = n * channels + c;
      double A, B;
      row_totals(L, part, r, &A, &B);
      row_ab[2 * r] = A;
      row_ab[2 * r + 1] = B;
      const double gm = gamma ? gamma[c] : 1.0;
      s1 += gm * A;
      s2 += gm * B;
    }
    const double mean = stats[2 * st], rstd = stats[2 * st + 1];
    const double b = -rstd * rstd * rstd * s2 / M;
    const double d = -rstd * s1 / M - b * mean;
    bd[2 * st] = static_cast<float>(b);
    bd[2 * st + 1] = static_cast<float>(d);
  }
}

// Per channel c: dgamma = sum_n rstd(n, group of c) B(n, c), dbeta = sum_n A(n, c).
__global__ void group_affine_grads(int64_t batch, int64_t channels, StatMap map, const double* __restrict__ row_ab,
                                   const float* __restrict__ stats, float* __restrict__ dgamma,
                                   float* __restrict__ dbeta) {
  DEEPSC_GRID_STRIDE(c, channels) {
    double dg = 0, db = 0;
    for (int64_t n = 0; n < batch; ++n) {
      const int64_t r = n * channels + c;
      dg += static_cast<double>(stats[2 * map(r) + 1]) * row_ab[2 * r + 1];
      db += row_ab[2 * r];
    }
    if (dgamma) dgamma[c] = static_cast<float>(dg);
    if (dbeta) dbeta[c] = static_cast<float>(db);
  }
}

struct Layout {
  RowChunks rc;
  Chunks L;
  StatMap map;
  int64_t nst, numel;
};

Layout layout(const Shape& x, int64_t groups) {
  Layout l;
  l.rc = row_chunks(x);
  l.L = chunks_of(l.rc);
  l.map = StatMap{l.rc.c, l.rc.c / groups, groups, false};
  l.nst = l.rc.n * groups;
  l.numel = x.size();
  return l;
}

}  // namespace

void group_norm_forward_impl(int64_t groups, double eps, const OpArgs& a, const char* op) {
  const Layout l = layout(a.in[0].shape, groups);
  if (l.numel == 0) return;  // infer() rejects empty x; nothing to do if one gets here
  ScratchPlan plan;
  const int64_t o_part = plan.add<double>(2 * l.L.chunks()), o_stats = plan.add<float>(2 * l.nst);
  OpScratch s(plan, op);
  double* part = s.at<double>(o_part);
  float* stats = s.at<float>(o_stats);
  chunk_moments<<<static_cast<unsigned>(l.L.chunks()), chunk_threads(l.L.s)>>>(l.L, a.in[0].data, part);
  check_op_launch(op, "chunk moments");
  group_stats<<<blocks_for(l.nst), kThreads>>>(l.L, l.rc.c, groups, eps, part, stats);
  check_op_launch(op, "group statistics");
  apply_affine<<<blocks_for(l.numel), kThreads>>>(l.numel, l.rc.s, l.rc.c, l.map, stats, per_channel_data(a.in[1]),
                                                  per_channel_data(a.in[2]), a.in[0].data, a.out[0].data);
  check_op_launch(op, "affine map");
}

void group_norm_backward_impl(int64_t groups, double eps, const OpGradArgs& a, const char* op) {
  const TensorView &dx = a.grad_in[0], &dgamma = a.grad_in[1], &dbeta = a.grad_in[2];
  if (!dx.present() && !dgamma.present() && !dbeta.present()) return;
  const Layout l = layout(a.in[0].shape, groups);
  if (l.numel == 0) return;
  const float* x = a.in[0].data;
  const float* g = a.grad_out[0].data;
  const float* gamma = per_channel_data(a.in[1]);
  ScratchPlan plan;
  const int64_t o_part = plan.add<double>(2 * l.L.chunks()), o_stats = plan.add<float>(2 * l.nst);
  const int64_t o_ab = plan.add<double>(2 * l.L.rows), o_bd = plan.add<float>(2 * l.nst);
  OpScratch s(plan, op);
  double* part = s.at<double>(o_part);
  float* stats = s.at<float>(o_stats);
  double* row_ab = s.at<double>(o_ab);
  float* bd = s.at<float>(o_bd);
  const unsigned chunks = static_cast<unsigned>(l.L.chunks()), threads = chunk_threads(l.L.s);
  chunk_moments<<<chunks, threads>>>(l.L, x, part);
  check_op_launch(op, "chunk moments");
  group_stats<<<blocks_for(l.nst), kThreads>>>(l.L, l.rc.c, groups, eps, part, stats);
  check_op_launch(op, "group statistics");
  chunk_grad_sums<<<chunks, threads>>>(l.L, l.map, g, x, stats, part);  // the moments are no longer needed
  check_op_launch(op, "chunk gradient sums");
  group_grad_coef<<<blocks_for(l.nst), kThreads>>>(l.L, l.rc.c, groups, part, stats, gamma, row_ab, bd);
  check_op_launch(op, "gradient coefficients");
  if (dgamma.present() || dbeta.present()) {
    group_affine_grads<<<blocks_for(l.rc.c), kThreads>>>(l.rc.n, l.rc.c, l.map, row_ab, stats, dgamma.data, dbeta.data);
    check_op_launch(op, "gamma and beta gradients");
  }
  if (dx.present()) {
    apply_grad<<<blocks_for(l.numel), kThreads>>>(l.numel, l.rc.s, l.rc.c, l.map, stats, bd, gamma, g, x, dx.data);
    check_op_launch(op, "input gradient");
  }
}

void group_norm_forward(const GroupNormParams& p, const OpArgs& a) {
  group_norm_forward_impl(p.groups, p.eps, a, "group_norm");
}

void group_norm_backward(const GroupNormParams& p, const OpGradArgs& a) {
  group_norm_backward_impl(p.groups, p.eps, a, "group_norm");
}

}  // namespace deepsc::cuda
