#include "cpu/group_norm.h"

#include "cpu/kernels.h"
#include "cpu/norm_stats.h"

namespace deepsc::cpu {

namespace {

// Workspace: [2 x chunks partials | 2 x (N x groups) mean, rstd | 3 x rows coefficients].
struct Scratch {
  float *part, *stats, *coef;
  Scratch(const RowChunks& L, int64_t groups, float* ws)
      : part(ws), stats(ws + 2 * L.chunks()), coef(ws + 2 * L.chunks() + 2 * L.n * groups) {}
};

const float* optional_data(const TensorView& v) { return v.present() && v.shape.rank() == 1 ? v.data : nullptr; }

// Mean and 1/sqrt(var + eps) of every (sample, group), channels and chunks combined in order.
void group_stats(const RowChunks& L, int64_t groups, double eps, const float* x, const Scratch& s) {
  norm::chunk_moments(L, x, s.part);
  const int64_t cpg = L.c / groups;
  for (int64_t n = 0; n < L.n; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      norm::Moments m;
      for (int64_t c = g * cpg; c < (g + 1) * cpg; ++c) m.add_row(L, s.part, n * L.c + c);
      s.stats[2 * (n * groups + g)] = static_cast<float>(m.mean);
      s.stats[2 * (n * groups + g) + 1] = static_cast<float>(1.0 / std::sqrt(m.var() + eps));
    }
}

}  // namespace

void group_norm_forward_impl(int64_t groups, double eps, const OpArgs& a) {
  const float* x = a.in[0].data;
  const float* gamma = optional_data(a.in[1]);
  const float* beta = optional_data(a.in[2]);
  const RowChunks L = row_chunks(a.in[0].shape);
  const Scratch s(L, groups, a.ws.data);
  group_stats(L, groups, eps, x, s);
  const int64_t cpg = L.c / groups;
  for (int64_t r = 0; r < L.rows(); ++r) {
    const int64_t n = r / L.c, c = r % L.c, st = n * groups + c / cpg;
    const float scale = s.stats[2 * st + 1] * (gamma ? gamma[c] : 1.f);
    s.coef[2 * r] = scale;
    s.coef[2 * r + 1] = (beta ? beta[c] : 0.f) - s.stats[2 * st] * scale;
  }
  norm::apply_affine(L, x, a.out[0].data, s.coef);
}

void group_norm_backward_impl(int64_t groups, double eps, const OpGradArgs& a) {
  const TensorView &dx = a.grad_in[0], &dgamma = a.grad_in[1], &dbeta = a.grad_in[2];
  if (!dx.present() && !dgamma.present() && !dbeta.present()) return;
  const float* x = a.in[0].data;
  const float* g = a.grad_out[0].data;
  const float* gamma = optional_data(a.in[1]);
  const RowChunks L = row_chunks(a.in[0].shape);
  const Scratch s(L, groups, a.ws.data);
  group_stats(L, groups, eps, x, s);
  const int64_t cpg = L.c / groups;
  auto stat = [&](int64_t r) { return (r / L.c) * groups + (r % L.c) / cpg; };
  // Per row: A = sum g, B = sum g (x - mean); they go to part's first 2 x rows slots once
  // the chunk partials have been read (row r's chunks come at or after slot r).
  for (int64_t r = 0; r < L.rows(); ++r) s.coef[r] = s.stats[2 * stat(r)];
  norm::chunk_grad_sums(L, g, x, s.coef, s.part);
  for (int64_t r = 0; r < L.rows(); ++r) {
    double A, B;
    norm::row_totals(L, s.part, r, A, B);
    s.part[2 * r] = static_cast<float>(A);
    s.part[2 * r + 1] = static_cast<float>(B);
  }
  const float* AB = s.part;
  for (int64_t c = 0; c < L.c; ++c) {
    double dg = 0, db = 0;
    for (int64_t n = 0; n < L.n; ++n) {
      const int64_t r = n * L.c + c;
      dg += double(s.stats[2 * stat(r) + 1]) * AB[2 * r + 1];
      db += AB[2 * r];
    }
    if (dgamma.present()) dgamma.data[c] = static_cast<float>(dg);
    if (dbeta.present()) dbeta.data[c] = static_cast<float>(db);
  }
  if (!dx.present()) return;
  const double M = double(cpg) * double(L.s);
  for (int64_t n = 0; n < L.n; ++n)
    for (int64_t gr = 0; gr < groups; ++gr) {
      double s1 = 0, s2 = 0;  // sum gamma g, sum gamma g (x - mean) over the group
      for (int64_t c = gr * cpg; c < (gr + 1) * cpg; ++c) {
        const double gm = gamma ? gamma[c] : 1.0;
        s1 += gm * AB[2 * (n * L.c + c)];
        s2 += gm * AB[2 * (n * L.c + c) + 1];
      }
      const double mean = s.stats[2 * (n * groups + gr)], rstd = s.stats[2 * (n * groups + gr) + 1];
      const double b = -rstd * rstd * rstd * s2 / M;
      const double d = -rstd * s1 / M - b * mean;
      for (int64_t c = gr * cpg; c < (gr + 1) * cpg; ++c) {
        const int64_t r = n * L.c + c;
        s.coef[3 * r] = static_cast<float>(rstd * (gamma ? gamma[c] : 1.0));
        s.coef[3 * r + 1] = static_cast<float>(b);
        s.coef[3 * r + 2] = static_cast<float>(d);
      }
    }
  norm::apply_grad(L, g, x, dx.data, s.coef);
}

void group_norm_forward(const GroupNormParams& p, const OpArgs& a) { group_norm_forward_impl(p.groups, p.eps, a); }

void group_norm_backward(const GroupNormParams& p, const OpGradArgs& a) {
  group_norm_backward_impl(p.groups, p.eps, a);
}

}  // namespace deepsc::cpu
