// Host emulation of how src/cuda/conv_transpose3d.cu drives conv3d's entry points (which
// tensor plays which role in each pass): the file is compiled here with conv3d_forward /
// conv3d_backward bound to the CPU's conv3d kernels on host memory, and the results compared
// with the CPU's conv_transpose3d. Cases without bias and with output_padding < stride, so
// that no CUDA kernel of its own launches (their per-element work is checked by
// pool_resize_index.cu). Runs without a GPU: native/test/cuda_emu/run.sh.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "../../src/cuda/conv_transpose3d.cu"
#include "cpu/kernels.h"

namespace deepsc::cuda {

namespace {
std::vector<float> scratch(int64_t n) { return std::vector<float>(static_cast<size_t>(std::max<int64_t>(n, 1))); }
}  // namespace

void conv3d_forward(const Conv3dParams& p, const OpArgs& a) {
  const Shape s[2] = {a.in[0].shape, a.in[1].shape};
  const int64_t n = Conv3d::workspace_floats(p, s, Pass::forward);
  auto ws = scratch(n);
  cpu::conv3d_forward(p, OpArgs{a.in, a.out, {ws.data(), n}});
}

void conv3d_backward(const Conv3dParams& p, const OpGradArgs& a) {
  const Shape s[2] = {a.in[0].shape, a.in[1].shape};
  const int64_t n = Conv3d::workspace_floats(p, s, Pass::backward);
  auto ws = scratch(n);
  cpu::conv3d_backward(p, OpGradArgs{a.in, a.out, a.grad_out, a.grad_in, {ws.data(), n}});
}

}  // namespace deepsc::cuda

using namespace deepsc;

namespace {

std::mt19937 rng(7);

std::vector<float> rand_vec(int64_t n) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = u(rng);
  return v;
}

double worst(const std::vector<float>& a, const std::vector<float>& b) {
  double w = 0;
  for (size_t i = 0; i < a.size(); ++i) w = std::max(w, std::fabs(double(a[i]) - b[i]) / (1e-5 + 1e-5 * std::fabs(double(b[i]))));
  return w;
}

int check(Shape x, Shape w, ConvTranspose3dParams p) {
  const Shape shapes[2] = {x, w};
  const Shape y = ConvTranspose3d::infer(p, shapes)[0];
  std::vector<float> X = rand_vec(x.size()), W = rand_vec(w.size()), G = rand_vec(y.size());
  const int64_t nws = std::max(ConvTranspose3d::workspace_floats(p, shapes, Pass::forward),
                               ConvTranspose3d::workspace_floats(p, shapes, Pass::backward));
  std::vector<float> ws(static_cast<size_t>(std::max<int64_t>(nws, 1)));
  std::vector<float> Yc(static_cast<size_t>(y.size())), Ye(Yc.size());
  std::vector<float> DXc(static_cast<size_t>(x.size())), DXe(DXc.size()), DWc(static_cast<size_t>(w.size())), DWe(DWc.size());
  const TensorView in[2] = {{X.data(), x}, {W.data(), w}};
  const TensorView outc[1] = {{Yc.data(), y}}, oute[1] = {{Ye.data(), y}}, gout[1] = {{G.data(), y}};
  const TensorView gc[2] = {{DXc.data(), x}, {DWc.data(), w}}, ge[2] = {{DXe.data(), x}, {DWe.data(), w}};
  cpu::conv_transpose3d_forward(p, OpArgs{in, outc, {ws.data(), nws}});
  cpu::conv_transpose3d_backward(p, OpGradArgs{in, outc, gout, gc, {ws.data(), nws}});
  cuda::conv_transpose3d_forward(p, OpArgs{in, oute, {}});
  cuda::conv_transpose3d_backward(p, OpGradArgs{in, oute, gout, ge, {}});
  const double a = worst(Ye, Yc), b = worst(DXe, DXc), c = worst(DWe, DWc);
  const bool ok = a <= 1 && b <= 1 && c <= 1;
  std::printf("%s w%s -> %s: y %g dx %g dw %g %s\n", x.str().c_str(), w.str().c_str(), y.str().c_str(), a, b, c,
              ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}

ConvTranspose3dParams ct(std::array<int64_t, 3> s, std::array<int64_t, 3> pad, std::array<int64_t, 3> op,
                         std::array<int64_t, 3> d, int64_t groups) {
  ConvTranspose3dParams q;
  q.stride = s, q.padding = pad, q.output_padding = op, q.dilation = d, q.groups = groups;
  return q;
}

}  // namespace

int main() {
  int bad = 0;
  bad += check(Shape{2, 8, 3, 4, 5}, Shape{8, 4, 2, 2, 2}, ct({2, 2, 2}, {0, 0, 0}, {0, 0, 0}, {1, 1, 1}, 1));
  bad += check(Shape{1, 3, 5, 3, 7}, Shape{3, 5, 3, 3, 3}, ct({2, 2, 2}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1));
  bad += check(Shape{1, 4, 4, 5, 6}, Shape{4, 3, 3, 3, 3}, ct({1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, 2));
  bad += check(Shape{1, 2, 1, 4, 3}, Shape{2, 3, 1, 3, 3}, ct({1, 2, 3}, {0, 1, 1}, {0, 1, 2}, {1, 1, 1}, 1));
  bad += check(Shape{2, 6, 3, 3, 4}, Shape{6, 2, 3, 2, 3}, ct({2, 3, 2}, {1, 0, 2}, {1, 2, 0}, {2, 1, 2}, 3));
  std::printf(bad ? "FAILURES %d\n" : "all OK\n", bad);
  return bad;
}
