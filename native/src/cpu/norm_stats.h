#pragma once
// Deterministic per-row reductions over [rows, S] data, laid out by RowChunks (see
// deepsc/ops/row_chunks.h): every chunk writes its own partial, and partials are combined in
// chunk order in double. Shared by group_norm, instance_norm, batch_norm and global_avg_pool.
//
// Inner loops accumulate into kLanes independent float lanes, a fixed order the compiler can
// vectorise without -ffast-math; the lanes and the chunks are then added in double.
#include <cmath>
#include <cstdint>

#include "deepsc/ops/row_chunks.h"
#include "deepsc/threadpool.h"

namespace deepsc::cpu::norm {

inline constexpr int kLanes = 16;

/// sum x[i], i < n.
inline double lane_sum(const float* x, int64_t n) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) acc[j] += x[i + j];
  double s = 0;
  for (int j = 0; j < kLanes; ++j) s += acc[j];
  for (; i < n; ++i) s += x[i];
  return s;
}

/// sum (x[i] - m)^2, i < n.
inline double lane_sq_dev(const float* x, int64_t n, float m) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) {
      const float d = x[i + j] - m;
      acc[j] += d * d;
    }
  double s = 0;
  for (int j = 0; j < kLanes; ++j) s += acc[j];
  for (; i < n; ++i) s += double(x[i] - m) * double(x[i] - m);
  return s;
}

/// sum g[i] and sum g[i] (x[i] - m), i < n.
inline void lane_grad_sums(const float* g, const float* x, int64_t n, float m, double& sg, double& sgx) {
  float a[kLanes] = {}, b[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) {
      a[j] += g[i + j];
      b[j] += g[i + j] * (x[i + j] - m);
    }
  sg = 0;
  sgx = 0;
  for (int j = 0; j < kLanes; ++j) {
    sg += a[j];
    sgx += b[j];
  }
  for (; i < n; ++i) {
    sg += g[i];
    sgx += double(g[i]) * double(x[i] - m);
  }
}

/// Calls fn(row, begin, end, chunk) for every chunk, chunks in parallel.
template <class Fn>
void for_chunks(const RowChunks& L, Fn&& fn) {
  parallel_for(L.chunks(), L.chunks_per_task(), [&](int64_t c0, int64_t c1) {
    for (int64_t t = c0; t < c1; ++t) {
      const int64_t r = t / L.per, k = t % L.per;
      fn(r, L.begin(k), L.end(k), t);
    }
  });
}

/// Each chunk's mean and M2 (sum of squared deviations from the chunk's own mean, so no
/// cancellation): part[2t], part[2t + 1].
inline void chunk_moments(const RowChunks& L, const float* x, float* part) {
  for_chunks(L, [&](int64_t r, int64_t b, int64_t e, int64_t t) {
    const float* p = x + r * L.s + b;
    const float mean = static_cast<float>(lane_sum(p, e - b) / double(e - b));
    part[2 * t] = mean;
    part[2 * t + 1] = static_cast<float>(lane_sq_dev(p, e - b, mean));
  });
}

/// Running count, mean and M2, merged with Chan et al.'s pairwise formula.
struct Moments {
  double n = 0, mean = 0, m2 = 0;
  void add(double nb, double mb, double m2b) {
    const double nt = n + nb, d = mb - mean;
    mean += d * nb / nt;
    m2 += m2b + d * d * n * nb / nt;
    n = nt;
  }
  /// Adds every chunk of row r, in chunk order.
  void add_row(const RowChunks& L, const float* part, int64_t r) {
    for (int64_t k = 0; k < L.per; ++k) {
      const int64_t t = r * L.per + k;
      add(double(L.end(k) - L.begin(k)), part[2 * t], part[2 * t + 1]);
    }
  }
  double var() const { return m2 / n; }  ///< biased
};

/// Per chunk: sum g and sum g (x - shift[row]) into part[2t], part[2t + 1].
inline void chunk_grad_sums(const RowChunks& L, const float* g, const float* x, const float* shift, float* part) {
  for_chunks(L, [&](int64_t r, int64_t b, int64_t e, int64_t t) {
    double sg, sgx;
    lane_grad_sums(g + r * L.s + b, x + r * L.s + b, e - b, shift[r], sg, sgx);
    part[2 * t] = static_cast<float>(sg);
    part[2 * t + 1] = static_cast<float>(sgx);
  });
}

/// The two chunk partials of row r summed in chunk order.
inline void row_totals(const RowChunks& L, const float* part, int64_t r, double& a, double& b) {
  a = 0;
  b = 0;
  for (int64_t k = 0; k < L.per; ++k) {
    a += part[2 * (r * L.per + k)];
    b += part[2 * (r * L.per + k) + 1];
  }
}

/// y = x * coef[2r] + coef[2r + 1] along every row r.
inline void apply_affine(const RowChunks& L, const float* x, float* y, const float* coef) {
  for_chunks(L, [&](int64_t r, int64_t b, int64_t e, int64_t) {
    const float s = coef[2 * r], o = coef[2 * r + 1];
    const float* xp = x + r * L.s;
    float* yp = y + r * L.s;
    for (int64_t i = b; i < e; ++i) yp[i] = xp[i] * s + o;
  });
}

/// dx = coef[3r] g + coef[3r + 1] x + coef[3r + 2] along every row r.
inline void apply_grad(const RowChunks& L, const float* g, const float* x, float* dx, const float* coef) {
  for_chunks(L, [&](int64_t r, int64_t b, int64_t e, int64_t) {
    const float a = coef[3 * r], c = coef[3 * r + 1], d = coef[3 * r + 2];
    const float* gp = g + r * L.s;
    const float* xp = x + r * L.s;
    float* o = dx + r * L.s;
    for (int64_t i = b; i < e; ++i) o[i] = a * gp[i] + c * xp[i] + d;
  });
}

}  // namespace deepsc::cpu::norm
