// Host emulation of the per-element work of the max_pool3d, avg_pool3d and resize kernels
// (pool3d.cuh, resize.cuh) and of conv_transpose3d's direct kernels (conv_transpose3d.cuh)
// against the CPU kernels: every element computed the way one GPU thread computes it. Pooling
// and resize must match bitwise (same comparisons, same sums in the same order); the direct
// convolution within 1e-5. Runs without a GPU: native/test/cuda_emu/run.sh.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "cpu/kernels.h"
#include "cuda/conv_transpose3d.cuh"
#include "cuda/pool3d.cuh"
#include "cuda/resize.cuh"

using namespace deepsc;
using namespace deepsc::cuda;

namespace {

std::mt19937 rng(42);

// ties: values in {-1, -0.5, 0, 0.5, 1}, with a few NaNs and -infinities among them.
std::vector<float> rand_vec(int64_t n, bool ties = false) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) {
    x = ties ? std::round(u(rng) * 2.f) / 2.f : u(rng);
    if (ties && u(rng) > 0.9f) x = u(rng) > 0.f ? NAN : -INFINITY;
  }
  return v;
}

// Largest |a - b| / (tol + tol |b|); tol 0: the count of elements that differ bitwise.
double compare(const std::vector<float>& a, const std::vector<float>& b, double tol) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (tol == 0) worst += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
    else worst = std::max(worst, std::fabs(double(a[i]) - b[i]) / (tol + tol * std::fabs(double(b[i]))));
  }
  return worst;
}

int report(const char* what, const std::string& c, double fwd, double bwd, double bwd2, double tol) {
  const bool ok = tol == 0 ? fwd == 0 && bwd == 0 && bwd2 == 0 : fwd <= 1 && bwd <= 1 && bwd2 <= 1;
  std::printf("%-16s %-60s fwd %g bwd %g %g %s\n", what, c.c_str(), fwd, bwd, bwd2, ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}

int pool_case(bool is_max, Shape x, PoolWindow w, bool include_pad, bool ties) {
  const std::string c = x.str() + " k" + std::to_string(w.kernel[0]) + std::to_string(w.kernel[1]) +
                        std::to_string(w.kernel[2]) + " s" + std::to_string(w.stride[0]) + std::to_string(w.stride[1]) +
                        std::to_string(w.stride[2]) + " p" + std::to_string(w.padding[0]) + std::to_string(w.padding[1]) +
                        std::to_string(w.padding[2]) + " d" + std::to_string(w.dilation[0]) + (w.ceil_mode ? " ceil" : "") +
                        (include_pad ? "" : " nopad") + (ties ? " ties" : "");
  const Shape y = pool_output_shape(w, x, "emu");
  std::vector<float> X = rand_vec(x.size(), ties), G = rand_vec(y.size());
  std::vector<float> Ycpu(static_cast<size_t>(y.size())), Dcpu(static_cast<size_t>(x.size()));
  std::vector<float> Yemu(Ycpu.size()), Demu(Dcpu.size());
  const TensorView in[1] = {{X.data(), x}}, out[1] = {{Ycpu.data(), y}}, gout[1] = {{G.data(), y}},
                   gin[1] = {{Dcpu.data(), x}};
  const pool3d::Geo g = pool3d::make_geo(w, x, y);
  if (is_max) {
    const MaxPool3dParams p{w};
    cpu::max_pool3d_forward(p, OpArgs{in, out, {}});
    cpu::max_pool3d_backward(p, OpGradArgs{in, out, gout, gin, {}});
    for (int64_t i = 0; i < y.size(); ++i) Yemu[i] = pool3d::max_pool_out(g, X.data(), i);
    for (int64_t j = 0; j < x.size(); ++j) Demu[j] = pool3d::max_pool_grad(g, X.data(), G.data(), j);
  } else {
    const AvgPool3dParams p{w, include_pad};
    cpu::avg_pool3d_forward(p, OpArgs{in, out, {}});
    cpu::avg_pool3d_backward(p, OpGradArgs{in, out, gout, gin, {}});
    for (int64_t i = 0; i < y.size(); ++i) Yemu[i] = pool3d::avg_pool_out(g, include_pad, X.data(), i);
    for (int64_t j = 0; j < x.size(); ++j) Demu[j] = pool3d::avg_pool_grad(g, include_pad, G.data(), j);
  }
  return report(is_max ? "max_pool3d" : "avg_pool3d", c, compare(Yemu, Ycpu, 0), compare(Demu, Dcpu, 0), 0, 0);
}

int resize_case(ResizeMode mode, Shape x, std::array<int64_t, 3> size) {
  const ResizeParams p{mode, size};
  const Shape y{x[0], x[1], size[0], size[1], size[2]};
  const std::string c = std::string(mode == ResizeMode::trilinear ? "trilinear " : "nearest ") + x.str() + " -> " + y.str();
  std::vector<float> X = rand_vec(x.size()), G = rand_vec(y.size());
  std::vector<float> Ycpu(static_cast<size_t>(y.size())), Dcpu(static_cast<size_t>(x.size()));
  std::vector<float> Yemu(Ycpu.size()), Demu(Dcpu.size());
  const TensorView in[1] = {{X.data(), x}}, out[1] = {{Ycpu.data(), y}}, gout[1] = {{G.data(), y}},
                   gin[1] = {{Dcpu.data(), x}};
  cpu::resize_forward(p, OpArgs{in, out, {}});
  cpu::resize_backward(p, OpGradArgs{in, out, gout, gin, {}});
  const resize::Geo g = resize::make_geo(p, x);
  for (int64_t i = 0; i < y.size(); ++i) Yemu[i] = resize::forward_at(g, X.data(), i);
  for (int64_t j = 0; j < x.size(); ++j) Demu[j] = resize::backward_at(g, G.data(), j);
  return report("resize", c, compare(Yemu, Ycpu, 0), compare(Demu, Dcpu, 0), 0, 0);
}

int convt_case(Shape x, Shape w, ConvTranspose3dParams p, bool bias) {
  const Shape shapes[3] = {x, w, bias ? Shape{w[1] * p.groups} : Shape{}};
  const Shape y = ConvTranspose3d::infer(p, std::span<const Shape>(shapes, 2))[0];
  const ConvGeometry geo = ConvTranspose3d::geometry(p, std::span<const Shape>(shapes, 2));
  const std::string c = x.str() + " w" + w.str() + " s" + std::to_string(p.stride[0]) + std::to_string(p.stride[1]) +
                        std::to_string(p.stride[2]) + " op" + std::to_string(p.output_padding[0]) +
                        std::to_string(p.output_padding[1]) + std::to_string(p.output_padding[2]) + " d" +
                        std::to_string(p.dilation[0]) + " g" + std::to_string(p.groups) + (bias ? " bias" : "") + " -> " +
                        y.str();
  std::vector<float> X = rand_vec(x.size()), W = rand_vec(w.size()), B = rand_vec(bias ? shapes[2].size() : 1),
                     G = rand_vec(y.size());
  std::vector<float> Ycpu(static_cast<size_t>(y.size())), DXcpu(static_cast<size_t>(x.size())),
      DWcpu(static_cast<size_t>(w.size())), DBcpu(B.size());
  const int64_t ws_f = std::max(ConvTranspose3d::workspace_floats(p, std::span<const Shape>(shapes, 2), Pass::forward),
                                ConvTranspose3d::workspace_floats(p, std::span<const Shape>(shapes, 2), Pass::backward));
  std::vector<float> ws(static_cast<size_t>(std::max<int64_t>(ws_f, 1)));
  const TensorView in[3] = {{X.data(), x}, {W.data(), w}, {bias ? B.data() : nullptr, shapes[2]}};
  const TensorView out[1] = {{Ycpu.data(), y}}, gout[1] = {{G.data(), y}};
  const TensorView gin[3] = {{DXcpu.data(), x}, {DWcpu.data(), w}, {bias ? DBcpu.data() : nullptr, shapes[2]}};
  cpu::conv_transpose3d_forward(p, OpArgs{std::span<const TensorView>(in, 3), out, {ws.data(), ws_f}});
  cpu::conv_transpose3d_backward(p, OpGradArgs{std::span<const TensorView>(in, 3), out, gout, gin, {ws.data(), ws_f}});
  const convt::Geo g = convt::make_geo(geo);
  std::vector<float> Yemu(Ycpu.size()), DXemu(DXcpu.size()), DWemu(DWcpu.size());
  for (int64_t i = 0; i < y.size(); ++i) Yemu[i] = convt::forward_at(g, X.data(), W.data(), bias ? B.data() : nullptr, i);
  for (int64_t i = 0; i < x.size(); ++i) DXemu[i] = convt::backward_data_at(g, G.data(), W.data(), i);
  for (int64_t i = 0; i < w.size(); ++i) DWemu[i] = convt::backward_weight_at(g, X.data(), G.data(), i);
  return report("conv_transpose3d", c, compare(Yemu, Ycpu, 1e-5), compare(DXemu, DXcpu, 1e-5), compare(DWemu, DWcpu, 1e-5),
                1e-5);
}

PoolWindow win(std::array<int64_t, 3> k, std::array<int64_t, 3> s, std::array<int64_t, 3> p = {0, 0, 0},
               std::array<int64_t, 3> d = {1, 1, 1}, bool ceil = false) {
  PoolWindow w;
  w.kernel = k, w.stride = s, w.padding = p, w.dilation = d, w.ceil_mode = ceil;
  return w;
}

ConvTranspose3dParams ct(std::array<int64_t, 3> s, std::array<int64_t, 3> p, std::array<int64_t, 3> op,
                         std::array<int64_t, 3> d, int64_t groups) {
  ConvTranspose3dParams q;
  q.stride = s, q.padding = p, q.output_padding = op, q.dilation = d, q.groups = groups;
  return q;
}

}  // namespace

int main() {
  int bad = 0;
  for (bool is_max : {true, false}) {
    bad += pool_case(is_max, Shape{2, 3, 5, 7, 9}, win({2, 2, 2}, {2, 2, 2}), true, false);
    bad += pool_case(is_max, Shape{1, 2, 9, 8, 7}, win({3, 3, 3}, {2, 2, 2}, {1, 1, 1}), true, false);
    bad += pool_case(is_max, Shape{1, 3, 4, 5, 7}, win({1, 2, 3}, {1, 2, 2}, {0, 1, 1}, {1, 1, 1}, true), true, false);
    bad += pool_case(is_max, Shape{1, 2, 6, 5, 8}, win({3, 2, 3}, {2, 1, 2}, {1, 0, 1}, {1, 1, 1}, true), false, false);
    bad += pool_case(is_max, Shape{1, 1, 6, 7, 8}, win({3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, true), true, false);
    bad += pool_case(is_max, Shape{1, 3, 5, 5, 5}, win({3, 3, 3}, {1, 1, 1}, {1, 1, 1}), false, true);
    bad += pool_case(is_max, Shape{1, 1, 1, 5, 6}, win({1, 3, 3}, {1, 2, 2}, {0, 1, 1}, {1, 1, 1}, true), true, false);
  }
  bad += pool_case(true, Shape{1, 2, 6, 5, 7}, win({2, 2, 2}, {1, 1, 1}, {0, 0, 0}, {2, 2, 2}), true, false);
  bad += pool_case(false, Shape{2, 3, 7, 9, 11}, win({7, 9, 11}, {7, 9, 11}), true, false);
  bad += pool_case(false, Shape{1, 2, 9, 10, 13}, win({4, 5, 6}, {3, 2, 4}, {2, 2, 3}), false, false);
  bad += pool_case(true, Shape{1, 2, 9, 10, 13}, win({4, 5, 6}, {3, 2, 4}, {2, 2, 3}, {2, 1, 2}), true, true);
  bad += pool_case(true, Shape{1, 1, 12, 11, 10}, win({3, 3, 3}, {1, 2, 3}, {1, 1, 1}, {3, 2, 1}, true), true, false);
  bad += pool_case(true, Shape{1, 2, 7, 6, 9}, win({3, 2, 3}, {2, 1, 3}, {1, 1, 1}, {2, 3, 1}, true), true, true);
  bad += pool_case(true, Shape{2, 1, 5, 5, 5}, win({2, 2, 2}, {2, 2, 2}, {0, 0, 0}, {1, 1, 1}, true), true, true);

  using R = ResizeMode;
  bad += resize_case(R::trilinear, Shape{1, 2, 4, 5, 6}, {8, 10, 12});
  bad += resize_case(R::trilinear, Shape{1, 2, 9, 7, 11}, {4, 3, 5});
  bad += resize_case(R::trilinear, Shape{2, 1, 5, 6, 7}, {7, 4, 13});
  bad += resize_case(R::trilinear, Shape{1, 1, 2, 3, 4}, {7, 10, 14});
  bad += resize_case(R::trilinear, Shape{1, 2, 1, 5, 1}, {3, 1, 4});
  bad += resize_case(R::trilinear, Shape{1, 2, 3, 4, 5}, {3, 4, 5});
  bad += resize_case(R::trilinear, Shape{1, 1, 17, 23, 31}, {5, 41, 29});
  bad += resize_case(R::nearest, Shape{1, 3, 3, 4, 5}, {7, 9, 6});
  bad += resize_case(R::nearest, Shape{1, 2, 9, 10, 11}, {4, 3, 5});
  bad += resize_case(R::nearest, Shape{2, 1, 1, 1, 7}, {1, 1, 3});
  bad += resize_case(R::nearest, Shape{1, 1, 17, 23, 31}, {5, 41, 29});

  bad += convt_case(Shape{2, 8, 3, 4, 5}, Shape{8, 4, 2, 2, 2}, ct({2, 2, 2}, {0, 0, 0}, {0, 0, 0}, {1, 1, 1}, 1), true);
  bad += convt_case(Shape{1, 3, 5, 3, 7}, Shape{3, 5, 3, 3, 3}, ct({2, 2, 2}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1), true);
  bad += convt_case(Shape{1, 4, 4, 5, 6}, Shape{4, 3, 3, 3, 3}, ct({1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, 2), false);
  bad += convt_case(Shape{1, 3, 4, 5, 3}, Shape{3, 2, 3, 2, 3}, ct({1, 1, 1}, {0, 0, 0}, {1, 1, 1}, {2, 2, 2}, 1), true);
  bad += convt_case(Shape{2, 3, 3, 2, 4}, Shape{3, 2, 2, 3, 2}, ct({2, 2, 2}, {1, 1, 1}, {2, 2, 2}, {3, 3, 3}, 3), false);
  bad += convt_case(Shape{1, 2, 1, 4, 3}, Shape{2, 3, 1, 3, 3}, ct({1, 2, 3}, {0, 1, 1}, {0, 1, 2}, {1, 1, 1}, 1), true);
  std::printf(bad ? "FAILURES %d\n" : "all OK\n", bad);
  return bad;
}
