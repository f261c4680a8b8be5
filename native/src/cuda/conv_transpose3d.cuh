#pragma once
// conv_transpose3d's direct kernels' per-element work (conv_transpose3d.cu uses them only
// where conv3d's kernels cannot run the pass; see there). __host__ __device__ so that the host
// emulation (test/cuda_emu/pool_resize_index.cu) runs them against the CPU kernels.
// Geometry in the terms of the convolution being transposed (ConvTranspose3d::geometry): its
// input is the transposed conv's output y (C channels, extents `in`), its output is the
// transposed conv's input x (K channels, extents `out`), its weight is w [K, C/groups, k].
#include <cuda_runtime.h>

#include <cstdint>

#include "deepsc/ops/conv_geometry.h"

namespace deepsc::cuda::convt {

struct Geo {
  int64_t N, C, K, Cg, Kg;
  int64_t in[3], out[3], k[3], s[3], p[3], d[3];
  int64_t in_sp, out_sp, kvol;
};

inline Geo make_geo(const ConvGeometry& g) {
  Geo d{};
  d.N = g.N, d.C = g.C, d.K = g.K, d.Cg = g.C / g.groups, d.Kg = g.K / g.groups;
  d.in_sp = 1, d.out_sp = 1, d.kvol = 1;
  for (int a = 0; a < 3; ++a) {
    d.in[a] = g.in[a], d.out[a] = g.out[a], d.k[a] = g.k[a], d.s[a] = g.s[a], d.p[a] = g.p[a], d.d[a] = g.d[a];
    d.in_sp *= g.in[a], d.out_sp *= g.out[a], d.kvol *= g.k[a];
  }
  return d;
}

/// The output position whose tap t reads input position i along axis a, or -1.
__host__ __device__ inline int64_t tap_out(const Geo& G, int a, int64_t i, int64_t t) {
  const int64_t q = i + G.p[a] - t * G.d[a];
  if (q < 0 || q % G.s[a] != 0 || q / G.s[a] >= G.out[a]) return -1;
  return q / G.s[a];
}

/// The input position that tap t of output position o reads along axis a, or -1 (padding).
__host__ __device__ inline int64_t tap_in(const Geo& G, int a, int64_t o, int64_t t) {
  const int64_t i = o * G.s[a] - G.p[a] + t * G.d[a];
  return i >= 0 && i < G.in[a] ? i : -1;
}

/// y[idx] (idx over [N, C, in]) = b[c] + sum over k of c's group and taps t of
/// w[k, c, t] x[n, k, o(i, t)].
__host__ __device__ inline float forward_at(const Geo& G, const float* x, const float* w, const float* bias, int64_t idx) {
  const int64_t sp = idx % G.in_sp, c = (idx / G.in_sp) % G.C, b = idx / (G.in_sp * G.C);
  const int64_t i[3] = {sp / (G.in[1] * G.in[2]), (sp / G.in[2]) % G.in[1], sp % G.in[2]};
  const int64_t grp = c / G.Cg, cl = c % G.Cg;
  float acc = 0.f;
  for (int64_t kl = 0; kl < G.Kg; ++kl) {
    const int64_t k = grp * G.Kg + kl;
    const float* xr = x + (b * G.K + k) * G.out_sp;
    const float* wr = w + (k * G.Cg + cl) * G.kvol;
    for (int64_t td = 0; td < G.k[0]; ++td) {
      const int64_t od = tap_out(G, 0, i[0], td);
      if (od < 0) continue;
      for (int64_t th = 0; th < G.k[1]; ++th) {
        const int64_t oh = tap_out(G, 1, i[1], th);
        if (oh < 0) continue;
        for (int64_t tw = 0; tw < G.k[2]; ++tw) {
          const int64_t ow = tap_out(G, 2, i[2], tw);
          if (ow < 0) continue;
          acc = fmaf(wr[(td * G.k[1] + th) * G.k[2] + tw], xr[(od * G.out[1] + oh) * G.out[2] + ow], acc);
        }
      }
    }
  }
  return acc + (bias ? bias[c] : 0.f);
}

/// dx[idx] (idx over [N, K, out]) = sum over c of k's group and taps t of
/// w[k, c, t] dy[n, c, o s - p + t d].
__host__ __device__ inline float backward_data_at(const Geo& G, const float* dy, const float* w, int64_t idx) {
  const int64_t sp = idx % G.out_sp, k = (idx / G.out_sp) % G.K, b = idx / (G.out_sp * G.K);
  const int64_t o[3] = {sp / (G.out[1] * G.out[2]), (sp / G.out[2]) % G.out[1], sp % G.out[2]};
  const int64_t grp = k / G.Kg;
  float acc = 0.f;
  for (int64_t cl = 0; cl < G.Cg; ++cl) {
    const float* dr = dy + (b * G.C + grp * G.Cg + cl) * G.in_sp;
    const float* wr = w + (k * G.Cg + cl) * G.kvol;
    for (int64_t td = 0; td < G.k[0]; ++td) {
      const int64_t id = tap_in(G, 0, o[0], td);
      if (id < 0) continue;
      for (int64_t th = 0; th < G.k[1]; ++th) {
        const int64_t ih = tap_in(G, 1, o[1], th);
        if (ih < 0) continue;
        for (int64_t tw = 0; tw < G.k[2]; ++tw) {
          const int64_t iw = tap_in(G, 2, o[2], tw);
          if (iw < 0) continue;
          acc = fmaf(wr[(td * G.k[1] + th) * G.k[2] + tw], dr[(id * G.in[1] + ih) * G.in[2] + iw], acc);
        }
      }
    }
  }
  return acc;
}

/// dw[idx] (idx over [K, C/groups, k]) = sum over n and output positions o of
/// x[n, k, o] dy[n, c, o s - p + t d] (double accumulator: the sum is long).
__host__ __device__ inline float backward_weight_at(const Geo& G, const float* x, const float* dy, int64_t idx) {
  const int64_t t = idx % G.kvol, cl = (idx / G.kvol) % G.Cg, k = idx / (G.kvol * G.Cg);
  const int64_t tc[3] = {t / (G.k[1] * G.k[2]), (t / G.k[2]) % G.k[1], t % G.k[2]};
  const int64_t c = (k / G.Kg) * G.Cg + cl;
  double acc = 0;
  for (int64_t b = 0; b < G.N; ++b) {
    const float* xr = x + (b * G.K + k) * G.out_sp;
    const float* dr = dy + (b * G.C + c) * G.in_sp;
    for (int64_t od = 0; od < G.out[0]; ++od) {
      const int64_t id = tap_in(G, 0, od, tc[0]);
      if (id < 0) continue;
      for (int64_t oh = 0; oh < G.out[1]; ++oh) {
        const int64_t ih = tap_in(G, 1, oh, tc[1]);
        if (ih < 0) continue;
        for (int64_t ow = 0; ow < G.out[2]; ++ow) {
          const int64_t iw = tap_in(G, 2, ow, tc[2]);
          if (iw < 0) continue;
          acc += static_cast<double>(xr[(od * G.out[1] + oh) * G.out[2] + ow]) * dr[(id * G.in[1] + ih) * G.in[2] + iw];
        }
      }
    }
  }
  return static_cast<float>(acc);
}

}  // namespace deepsc::cuda::convt
