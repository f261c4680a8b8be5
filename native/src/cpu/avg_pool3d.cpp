#include <vector>

#include "cpu/kernels.h"
#include "cpu/pool_rows.h"

namespace deepsc::cpu {

namespace {

// Divisor factors per output position along one axis. PyTorch's rule: the window is first
// clipped to the padded input (count_include_pad) and then to the real input (otherwise);
// the divisor is the product of the three axes' factors.
std::vector<float> axis_counts(const PoolWindow& w, int axis, int64_t in, int64_t out, bool include_pad) {
  std::vector<float> n(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * w.stride[axis] - w.padding[axis];
    const int64_t end = std::min(start + w.kernel[axis], in + w.padding[axis]);
    n[static_cast<size_t>(o)] =
        float(include_pad ? end - start : std::min(end, in) - std::max<int64_t>(start, 0));
  }
  return n;
}

struct Divisors {
  std::vector<float> d, h, w;
  Divisors(const AvgPool3dParams& p, const pool::Dims& g)
      : d(axis_counts(p.window, 0, g.d, g.od, p.count_include_pad)),
        h(axis_counts(p.window, 1, g.h, g.oh, p.count_include_pad)),
        w(axis_counts(p.window, 2, g.w, g.ow, p.count_include_pad)) {}
  float at(int64_t od, int64_t oh, int64_t ow) const {
    return d[static_cast<size_t>(od)] * h[static_cast<size_t>(oh)] * w[static_cast<size_t>(ow)];
  }
};

}  // namespace

void avg_pool3d_forward(const AvgPool3dParams& p, const OpArgs& a) {
  const pool::Dims g = pool::dims(a.in[0].shape, a.out[0].shape);
  const Divisors div(p, g);
  const PoolWindow& win = p.window;
  const float* x = a.in[0].data;
  float* y = a.out[0].data;
  const int64_t rows = g.planes * g.od * g.oh, sw = win.stride[2];
  const int64_t taps = win.kernel[0] * win.kernel[1] * win.kernel[2];
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, g.ow * taps)),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; ++r) {
                   const int64_t plane = r / (g.od * g.oh), od = (r / g.oh) % g.od, oh = r % g.oh;
                   const float* xp = x + plane * g.d * g.h * g.w;
                   float* out = y + r * g.ow;
                   std::fill(out, out + g.ow, 0.f);
                   // Taps in (kd, kh, kw) order: a fixed summation order per output.
                   pool::for_rows_of_window(win, g, od, oh, [&](int64_t row0) {
                     const float* in = xp + row0;
                     for (int64_t kw = 0; kw < win.kernel[2]; ++kw) {
                       const int64_t off = kw - win.padding[2];
                       const pool::Range rg = pool::valid_outputs(off, sw, g.w, g.ow);
                       for (int64_t o = rg.lo; o < rg.hi; ++o) out[o] += in[o * sw + off];
                     }
                   });
                   for (int64_t o = 0; o < g.ow; ++o) {
                     const float n = div.at(od, oh, o);
                     out[o] = n > 0 ? out[o] / n : 0.f;
                   }
                 }
               });
}

void avg_pool3d_backward(const AvgPool3dParams& p, const OpGradArgs& a) {
  const TensorView& dx = a.grad_in[0];
  if (!dx.present()) return;
  const pool::Dims g = pool::dims(a.in[0].shape, a.out[0].shape);
  const Divisors div(p, g);
  const PoolWindow& win = p.window;
  const int64_t in_plane = g.d * g.h * g.w, out_plane = g.od * g.oh * g.ow, sw = win.stride[2];
  // A task owns whole input planes: windows overlap, so only then are its writes disjoint.
  parallel_for(g.planes, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, in_plane)),
               [&](int64_t p0, int64_t p1) {
                 std::vector<float> share(static_cast<size_t>(g.ow));
                 for (int64_t pl = p0; pl < p1; ++pl) {
                   float* d = dx.data + pl * in_plane;
                   std::fill(d, d + in_plane, 0.f);
                   for (int64_t od = 0; od < g.od; ++od)
                     for (int64_t oh = 0; oh < g.oh; ++oh) {
                       const float* gr = a.grad_out[0].data + pl * out_plane + (od * g.oh + oh) * g.ow;
                       for (int64_t o = 0; o < g.ow; ++o) {
                         const float n = div.at(od, oh, o);
                         share[static_cast<size_t>(o)] = n > 0 ? gr[o] / n : 0.f;
                       }
                       pool::for_rows_of_window(win, g, od, oh, [&](int64_t row0) {
                         float* drow = d + row0;
                         for (int64_t kw = 0; kw < win.kernel[2]; ++kw) {
                           const int64_t off = kw - win.padding[2];
                           const pool::Range rg = pool::valid_outputs(off, sw, g.w, g.ow);
                           for (int64_t o = rg.lo; o < rg.hi; ++o) drow[o * sw + off] += share[static_cast<size_t>(o)];
                         }
                       });
                     }
                 }
               });
}

}  // namespace deepsc::cpu
