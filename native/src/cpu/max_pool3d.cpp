#include <cmath>
#include <limits>
#include <vector>

#include "cpu/kernels.h"
#include "cpu/pool_rows.h"

namespace deepsc::cpu {

namespace {

// Scans the window of every output of row (od, oh) in (kd, kh, kw) order, keeping the first
// maximum (a strictly greater value or a NaN replaces it, as in PyTorch). best[ow] gets the
// value and, when `where` is given, where[ow] its flat index in the input plane.
void scan_row(const PoolWindow& win, const pool::Dims& g, const float* plane, int64_t od, int64_t oh, float* best,
              int64_t* where) {
  std::fill(best, best + g.ow, -std::numeric_limits<float>::infinity());
  if (where) std::fill(where, where + g.ow, int64_t(-1));
  const int64_t sw = win.stride[2];
  pool::for_rows_of_window(win, g, od, oh, [&](int64_t row0) {
    const float* in = plane + row0;
    for (int64_t kw = 0; kw < win.kernel[2]; ++kw) {
      const int64_t off = kw * win.dilation[2] - win.padding[2];
      const pool::Range r = pool::valid_outputs(off, sw, g.w, g.ow);
      if (where) {
        for (int64_t o = r.lo; o < r.hi; ++o) {
          const float v = in[o * sw + off];
          if (v > best[o] || std::isnan(v)) {
            best[o] = v;
            where[o] = row0 + o * sw + off;
          }
        }
      } else {
        for (int64_t o = r.lo; o < r.hi; ++o) {
          const float v = in[o * sw + off];
          best[o] = (v > best[o] || v != v) ? v : best[o];
        }
      }
    }
  });
}

}  // namespace

void max_pool3d_forward(const MaxPool3dParams& p, const OpArgs& a) {
  const pool::Dims g = pool::dims(a.in[0].shape, a.out[0].shape);
  const float* x = a.in[0].data;
  float* y = a.out[0].data;
  const int64_t rows = g.planes * g.od * g.oh;
  const int64_t taps = p.window.kernel[0] * p.window.kernel[1] * p.window.kernel[2];
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, g.ow * taps)),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; ++r) {
                   const int64_t plane = r / (g.od * g.oh), od = (r / g.oh) % g.od, oh = r % g.oh;
                   scan_row(p.window, g, x + plane * g.d * g.h * g.w, od, oh, y + r * g.ow, nullptr);
                 }
               });
}

void max_pool3d_backward(const MaxPool3dParams& p, const OpGradArgs& a) {
  const TensorView& dx = a.grad_in[0];
  if (!dx.present()) return;
  const pool::Dims g = pool::dims(a.in[0].shape, a.out[0].shape);
  const int64_t in_plane = g.d * g.h * g.w, out_plane = g.od * g.oh * g.ow;
  // A task owns whole input planes: windows overlap, so only then are its writes disjoint.
  parallel_for(g.planes, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, in_plane)),
               [&](int64_t p0, int64_t p1) {
                 std::vector<float> best(static_cast<size_t>(g.ow));
                 std::vector<int64_t> where(static_cast<size_t>(g.ow));
                 for (int64_t pl = p0; pl < p1; ++pl) {
                   float* d = dx.data + pl * in_plane;
                   std::fill(d, d + in_plane, 0.f);
                   const float* gy = a.grad_out[0].data + pl * out_plane;
                   for (int64_t od = 0; od < g.od; ++od)
                     for (int64_t oh = 0; oh < g.oh; ++oh) {
                       scan_row(p.window, g, a.in[0].data + pl * in_plane, od, oh, best.data(), where.data());
                       const float* gr = gy + (od * g.oh + oh) * g.ow;
                       for (int64_t o = 0; o < g.ow; ++o)
                         if (where[static_cast<size_t>(o)] >= 0) d[where[static_cast<size_t>(o)]] += gr[o];
                     }
                 }
               });
}

}  // namespace deepsc::cpu
