#include "cpu/kernels.h"
#include "cpu/norm_stats.h"

namespace deepsc::cpu {

namespace {

// Workspace: [2 x chunks partials | 2 x C mean, rstd | 3 x rows coefficients].
struct Scratch {
  float *part, *stats, *coef;
  Scratch(const RowChunks& L, float* ws) : part(ws), stats(ws + 2 * L.chunks()), coef(ws + 2 * L.chunks() + 2 * L.c) {}
};

const float* optional_data(const TensorView& v) { return v.present() && v.shape.rank() == 1 ? v.data : nullptr; }

// Per channel: the batch's mean and M2 over (N, spatial), rows in sample order.
norm::Moments channel_moments(const RowChunks& L, const float* part, int64_t c) {
  norm::Moments m;
  for (int64_t n = 0; n < L.n; ++n) m.add_row(L, part, n * L.c + c);
  return m;
}

// The statistics y is normalised with: the batch's (train) or the running ones (eval). In
// train mode with `update`, also moves the running statistics towards the batch's.
void channel_stats(const BatchNormParams& p, const RowChunks& L, const float* x, const TensorView& rm,
                   const TensorView& rv, bool update, const Scratch& s) {
  const float* run_mean = optional_data(rm);
  const float* run_var = optional_data(rv);
  if (p.mode == BatchNormMode::eval) {
    for (int64_t c = 0; c < L.c; ++c) {
      s.stats[2 * c] = run_mean[c];
      s.stats[2 * c + 1] = static_cast<float>(1.0 / std::sqrt(double(run_var[c]) + p.eps));
    }
    return;
  }
  norm::chunk_moments(L, x, s.part);
  for (int64_t c = 0; c < L.c; ++c) {
    const norm::Moments m = channel_moments(L, s.part, c);
    s.stats[2 * c] = static_cast<float>(m.mean);
    s.stats[2 * c + 1] = static_cast<float>(1.0 / std::sqrt(m.var() + p.eps));
    if (update && run_mean) {
      // Unbiased variance for the running estimate, as PyTorch (M > 1 is checked in infer).
      const double unbiased = m.m2 / (m.n - 1);
      rm.data[c] = static_cast<float>((1 - p.momentum) * run_mean[c] + p.momentum * m.mean);
      rv.data[c] = static_cast<float>((1 - p.momentum) * run_var[c] + p.momentum * unbiased);
    }
  }
}

}  // namespace

void batch_norm_forward(const BatchNormParams& p, const OpArgs& a) {
  const float* x = a.in[0].data;
  const float* gamma = optional_data(a.in[1]);
  const float* beta = optional_data(a.in[2]);
  const RowChunks L = row_chunks(a.in[0].shape);
  const Scratch s(L, a.ws.data);
  channel_stats(p, L, x, a.in[3], a.in[4], true, s);
  for (int64_t r = 0; r < L.rows(); ++r) {
    const int64_t c = r % L.c;
    const float scale = s.stats[2 * c + 1] * (gamma ? gamma[c] : 1.f);
    s.coef[2 * r] = scale;
    s.coef[2 * r + 1] = (beta ? beta[c] : 0.f) - s.stats[2 * c] * scale;
  }
  norm::apply_affine(L, x, a.out[0].data, s.coef);
}

void batch_norm_backward(const BatchNormParams& p, const OpGradArgs& a) {
  const TensorView &dx = a.grad_in[0], &dgamma = a.grad_in[1], &dbeta = a.grad_in[2];
  if (!dx.present() && !dgamma.present() && !dbeta.present()) return;
  const float* x = a.in[0].data;
  const float* g = a.grad_out[0].data;
  const float* gamma = optional_data(a.in[1]);
  const RowChunks L = row_chunks(a.in[0].shape);
  const Scratch s(L, a.ws.data);
  channel_stats(p, L, x, a.in[3], a.in[4], false, s);
  const bool train = p.mode == BatchNormMode::train;
  // In eval mode dx needs no sums: y is an affine map of x per channel.
  const bool need_sums = train || dgamma.present() || dbeta.present();
  std::vector<double> A(static_cast<size_t>(need_sums ? L.c : 0)), B(A.size());
  if (need_sums) {
    for (int64_t r = 0; r < L.rows(); ++r) s.coef[r] = s.stats[2 * (r % L.c)];
    norm::chunk_grad_sums(L, g, x, s.coef, s.part);
    for (int64_t r = 0; r < L.rows(); ++r) {  // rows in sample order per channel
      double ra, rb;
      norm::row_totals(L, s.part, r, ra, rb);
      A[static_cast<size_t>(r % L.c)] += ra;
      B[static_cast<size_t>(r % L.c)] += rb;
    }
    for (int64_t c = 0; c < L.c; ++c) {
      if (dgamma.present()) dgamma.data[c] = static_cast<float>(s.stats[2 * c + 1] * B[static_cast<size_t>(c)]);
      if (dbeta.present()) dbeta.data[c] = static_cast<float>(A[static_cast<size_t>(c)]);
    }
  }
  if (!dx.present()) return;
  const double M = double(L.n) * double(L.s);
  for (int64_t r = 0; r < L.rows(); ++r) {
    const int64_t c = r % L.c;
    const double gm = gamma ? gamma[c] : 1.0, mean = s.stats[2 * c], rstd = s.stats[2 * c + 1];
    double b = 0, d = 0;
    if (train) {  // the batch statistics depend on x too
      b = -gm * rstd * rstd * rstd * B[static_cast<size_t>(c)] / M;
      d = -gm * rstd * A[static_cast<size_t>(c)] / M - b * mean;
    }
    s.coef[3 * r] = static_cast<float>(gm * rstd);
    s.coef[3 * r + 1] = static_cast<float>(b);
    s.coef[3 * r + 2] = static_cast<float>(d);
  }
  norm::apply_grad(L, g, x, dx.data, s.coef);
}

}  // namespace deepsc::cpu
