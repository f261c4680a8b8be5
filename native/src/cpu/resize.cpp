#include <cmath>
#include <vector>

#include "cpu/kernels.h"

namespace deepsc::cpu {

namespace {

// Per output index along one axis: the source voxels i0, i1 and their weights w0, w1
// (nearest: i1 = i0, w0 = 1, w1 = 0). Float32 index arithmetic, as PyTorch's CPU kernels.
struct Axis {
  std::vector<int64_t> i0, i1;
  std::vector<float> w0, w1;

  Axis(ResizeMode mode, int64_t in, int64_t out)
      : i0(static_cast<size_t>(out)), i1(i0.size()), w0(i0.size()), w1(i0.size()) {
    const float scale = static_cast<float>(in) / static_cast<float>(out);
    for (int64_t o = 0; o < out; ++o) {
      const size_t k = static_cast<size_t>(o);
      if (mode == ResizeMode::nearest) {
        i0[k] = i1[k] = std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * scale)), in - 1);
        w0[k] = 1.f;
        w1[k] = 0.f;
        continue;
      }
      float src = scale * (static_cast<float>(o) + 0.5f) - 0.5f;
      if (src < 0.f) src = 0.f;
      const int64_t lo = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
      const float lambda = std::min(std::max(src - static_cast<float>(lo), 0.f), 1.f);
      i0[k] = lo;
      i1[k] = lo + (lo < in - 1 ? 1 : 0);
      w0[k] = 1.f - lambda;
      w1[k] = lambda;
    }
  }
};

struct Geometry {
  int64_t planes, d, h, w, od, oh, ow;
  Axis ad, ah, aw;
  Geometry(const ResizeParams& p, const Shape& x)
      : planes(x[0] * x[1]), d(x[2]), h(x[3]), w(x[4]), od(p.size[0]), oh(p.size[1]), ow(p.size[2]),
        ad(p.mode, d, od), ah(p.mode, h, oh), aw(p.mode, w, ow) {}
};

// Forward by output rows (disjoint writes). Trilinear: blend the four source rows along
// D and H over the whole input width (contiguous, vectorises), then interpolate along W.
template <bool Linear>
void forward_rows(const Geometry& g, const float* x, float* y) {
  const int64_t rows = g.planes * g.od * g.oh;
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, g.ow + 4 * g.w)),
               [&](int64_t r0, int64_t r1) {
                 std::vector<float> tmp(static_cast<size_t>(Linear ? g.w : 0));
                 for (int64_t r = r0; r < r1; ++r) {
                   const int64_t plane = r / (g.od * g.oh), od = (r / g.oh) % g.od, oh = r % g.oh;
                   const size_t kd = static_cast<size_t>(od), kh = static_cast<size_t>(oh);
                   const float* base = x + plane * g.d * g.h * g.w;
                   float* out = y + r * g.ow;
                   if constexpr (Linear) {
                     const float* a = base + (g.ad.i0[kd] * g.h + g.ah.i0[kh]) * g.w;
                     const float* b = base + (g.ad.i0[kd] * g.h + g.ah.i1[kh]) * g.w;
                     const float* c = base + (g.ad.i1[kd] * g.h + g.ah.i0[kh]) * g.w;
                     const float* e = base + (g.ad.i1[kd] * g.h + g.ah.i1[kh]) * g.w;
                     const float d0 = g.ad.w0[kd], d1 = g.ad.w1[kd], h0 = g.ah.w0[kh], h1 = g.ah.w1[kh];
                     float* t = tmp.data();
                     for (int64_t i = 0; i < g.w; ++i) t[i] = d0 * (h0 * a[i] + h1 * b[i]) + d1 * (h0 * c[i] + h1 * e[i]);
                     for (int64_t o = 0; o < g.ow; ++o) {
                       const size_t k = static_cast<size_t>(o);
                       out[o] = g.aw.w0[k] * t[g.aw.i0[k]] + g.aw.w1[k] * t[g.aw.i1[k]];
                     }
                   } else {
                     const float* row = base + (g.ad.i0[kd] * g.h + g.ah.i0[kh]) * g.w;
                     for (int64_t o = 0; o < g.ow; ++o) out[o] = row[g.aw.i0[static_cast<size_t>(o)]];
                   }
                 }
               });
}

// Backward scatters into dx. A task owns a slab of input depth slices of one plane and takes
// from every output slice only the contributions that land in its slab, so writes are
// disjoint and each dx element sums its contributions in (od, oh, ow) order whatever the
// thread count, while a single plane still spreads over many tasks.
template <bool Linear>
void backward_slabs(const Geometry& g, const float* gy, float* dx) {
  const int64_t slice = g.h * g.w;
  const int64_t slab = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, slice));
  const int64_t slabs = (g.d + slab - 1) / slab;
  parallel_for(g.planes * slabs, 1, [&](int64_t t0, int64_t t1) {
    std::vector<float> tmp(static_cast<size_t>(g.w));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t plane = t / slabs, lo = (t % slabs) * slab, hi = std::min(g.d, lo + slab);
      float* dplane = dx + plane * g.d * slice;
      std::fill(dplane + lo * slice, dplane + hi * slice, 0.f);
      for (int64_t od = 0; od < g.od; ++od) {
        const size_t kd = static_cast<size_t>(od);
        for (int j = 0; j < (Linear ? 2 : 1); ++j) {
          const int64_t id = j ? g.ad.i1[kd] : g.ad.i0[kd];
          if (id < lo || id >= hi) continue;
          const float wd = j ? g.ad.w1[kd] : g.ad.w0[kd];
          for (int64_t oh = 0; oh < g.oh; ++oh) {
            const size_t kh = static_cast<size_t>(oh);
            const float* gr = gy + ((plane * g.od + od) * g.oh + oh) * g.ow;
            if constexpr (Linear) {
              float* tp = tmp.data();
              std::fill(tp, tp + g.w, 0.f);
              for (int64_t o = 0; o < g.ow; ++o) {
                const size_t k = static_cast<size_t>(o);
                tp[g.aw.i0[k]] += g.aw.w0[k] * gr[o];
                tp[g.aw.i1[k]] += g.aw.w1[k] * gr[o];
              }
              const float s0 = wd * g.ah.w0[kh], s1 = wd * g.ah.w1[kh];
              float* r0 = dplane + (id * g.h + g.ah.i0[kh]) * g.w;
              for (int64_t i = 0; i < g.w; ++i) r0[i] += s0 * tp[i];
              float* r1 = dplane + (id * g.h + g.ah.i1[kh]) * g.w;
              for (int64_t i = 0; i < g.w; ++i) r1[i] += s1 * tp[i];
            } else {
              float* row = dplane + (id * g.h + g.ah.i0[kh]) * g.w;
              for (int64_t o = 0; o < g.ow; ++o) row[g.aw.i0[static_cast<size_t>(o)]] += gr[o];
            }
          }
        }
      }
    }
  });
}

}  // namespace

void resize_forward(const ResizeParams& p, const OpArgs& a) {
  const Geometry g(p, a.in[0].shape);
  if (p.mode == ResizeMode::trilinear) forward_rows<true>(g, a.in[0].data, a.out[0].data);
  else forward_rows<false>(g, a.in[0].data, a.out[0].data);
}

void resize_backward(const ResizeParams& p, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  const Geometry g(p, a.in[0].shape);
  if (p.mode == ResizeMode::trilinear) backward_slabs<true>(g, a.grad_out[0].data, a.grad_in[0].data);
  else backward_slabs<false>(g, a.grad_out[0].data, a.grad_in[0].data);
}

}  // namespace deepsc::cpu
