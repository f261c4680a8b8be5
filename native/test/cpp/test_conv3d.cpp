// conv3d and conv_transpose3d under the sanitizers: every ISA path, against a double
// reference and by finite differences, plus argument errors.
#include "deepsc/cpu_features.h"
#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

namespace {

struct Conv {
  int64_t N, C, K, G;
  std::array<int64_t, 3> in, k, s, p, d;
  bool bias;
};

std::array<int64_t, 3> out_of(const Conv& c) {
  std::array<int64_t, 3> o{};
  for (int a = 0; a < 3; ++a) o[a] = (c.in[a] + 2 * c.p[a] - c.d[a] * (c.k[a] - 1) - 1) / c.s[a] + 1;
  return o;
}

Attrs attrs_of(const Conv& c, const char* op) {
  Attrs a(op);
  auto vec = [](const std::array<int64_t, 3>& v) { return std::vector<double>{double(v[0]), double(v[1]), double(v[2])}; };
  a.set("stride", vec(c.s));
  a.set("padding", vec(c.p));
  a.set("dilation", vec(c.d));
  a.set("groups", double(c.G));
  return a;
}

/// conv3d in double: y[n][k][o] = b[k] + sum w[k][c][r] x[n][g c][o s + r d - p].
std::vector<double> conv_ref(const Conv& c, const std::vector<double>& x, const std::vector<double>& w, const std::vector<double>* b) {
  const auto o = out_of(c);
  const int64_t Cg = c.C / c.G, Kg = c.K / c.G;
  std::vector<double> y(static_cast<size_t>(c.N * c.K * o[0] * o[1] * o[2]));
  size_t yi = 0;
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t k = 0; k < c.K; ++k)
      for (int64_t od = 0; od < o[0]; ++od)
        for (int64_t oh = 0; oh < o[1]; ++oh)
          for (int64_t ow = 0; ow < o[2]; ++ow, ++yi) {
            double s = b ? (*b)[k] : 0;
            for (int64_t ci = 0; ci < Cg; ++ci)
              for (int64_t kd = 0; kd < c.k[0]; ++kd)
                for (int64_t kh = 0; kh < c.k[1]; ++kh)
                  for (int64_t kw = 0; kw < c.k[2]; ++kw) {
                    const int64_t id = od * c.s[0] - c.p[0] + kd * c.d[0], ih = oh * c.s[1] - c.p[1] + kh * c.d[1],
                                  iw = ow * c.s[2] - c.p[2] + kw * c.d[2];
                    if (id < 0 || id >= c.in[0] || ih < 0 || ih >= c.in[1] || iw < 0 || iw >= c.in[2]) continue;
                    const int64_t ch = (k / Kg) * Cg + ci;
                    s += w[(((k * Cg + ci) * c.k[0] + kd) * c.k[1] + kh) * c.k[2] + kw] *
                         x[(((n * c.C + ch) * c.in[0] + id) * c.in[1] + ih) * c.in[2] + iw];
                  }
            y[yi] = s;
          }
  return y;
}

void check_conv(const Conv& c) {
  std::vector<HostTensor> in = {HostTensor::random(Shape{c.N, c.C, c.in[0], c.in[1], c.in[2]}, 1),
                                HostTensor::random(Shape{c.K, c.C / c.G, c.k[0], c.k[1], c.k[2]}, 2),
                                c.bias ? HostTensor::random(Shape{c.K}, 3) : HostTensor::absent()};
  check_op("conv3d", attrs_of(c, "conv3d"), in, [&](const std::vector<std::vector<double>>& v) {
    return std::vector<std::vector<double>>{conv_ref(c, v[0], v[1], c.bias ? &v[2] : nullptr)};
  });
}

const Conv kCases[] = {
    {1, 3, 4, 1, {5, 6, 7}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true},
    {2, 2, 3, 1, {7, 5, 9}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, false},
    {1, 4, 6, 2, {4, 5, 6}, {3, 2, 3}, {1, 2, 3}, {3, 0, 2}, {2, 1, 2}, true},
    {1, 1, 10, 1, {3, 4, 20}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true},
    {1, 2, 12, 1, {3, 4, 32}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, false},
    // Pointwise onto whole pixel vectors: the kernel writes the output in place (no copy-out),
    // all 8-channel blocks per tile; strided: 16-wide phase rows (masked copy, expand stores).
    {1, 20, 19, 1, {3, 4, 8}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, true},
    {1, 3, 9, 1, {4, 8, 32}, {1, 1, 1}, {2, 2, 2}, {0, 0, 0}, {1, 1, 1}, true},
};

}  // namespace

DEEPSC_TEST(conv3d_matches_reference_on_every_isa) {
  const Isa before = active_isa();
  for (Isa isa : {Isa::portable, Isa::avx2, Isa::avx512}) {
    if (isa > detected_isa()) continue;
    set_active_isa(isa);
    for (const Conv& c : kCases) check_conv(c);
  }
  set_active_isa(before);
}

DEEPSC_TEST(conv_transpose3d_is_the_adjoint_of_conv3d) {
  // <conv(x), y> == <x, conv_transpose(y)> for the same weights.
  const Conv c{1, 3, 4, 1, {6, 5, 7}, {3, 3, 2}, {2, 1, 2}, {1, 0, 1}, {1, 2, 1}, false};
  const auto o = out_of(c);
  std::vector<HostTensor> fin = {HostTensor::random(Shape{c.N, c.C, c.in[0], c.in[1], c.in[2]}, 4),
                                 HostTensor::random(Shape{c.K, c.C, c.k[0], c.k[1], c.k[2]}, 5), HostTensor::absent()};
  auto y = run_forward_op("conv3d", attrs_of(c, "conv3d"), fin);
  Attrs ta = attrs_of(c, "conv_transpose3d");
  std::vector<double> op;
  for (int a = 0; a < 3; ++a) op.push_back(double(c.in[a] - ((o[a] - 1) * c.s[a] - 2 * c.p[a] + c.d[a] * (c.k[a] - 1) + 1)));
  ta.set("output_padding", op);
  std::vector<HostTensor> tin = {HostTensor::random(Shape{c.N, c.K, o[0], o[1], o[2]}, 6), fin[1], HostTensor::absent()};
  auto z = run_forward_op("conv_transpose3d", ta, tin);
  DEEPSC_EXPECT(z[0].shape == fin[0].shape, "transposed output shape " + z[0].shape.str());
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < y[0].data.size(); ++i) lhs += double(y[0].data[i]) * tin[0].data[i];
  for (size_t i = 0; i < z[0].data.size(); ++i) rhs += double(z[0].data[i]) * fin[0].data[i];
  DEEPSC_EXPECT(std::fabs(lhs - rhs) <= 1e-4 * (1 + std::fabs(lhs)), "adjoint mismatch " + std::to_string(lhs) + " vs " + std::to_string(rhs));
}

DEEPSC_TEST(conv3d_rejects_bad_arguments) {
  Attrs neg("conv3d");
  neg.set("padding", -1.0);
  expect_error([&] { make_op("conv3d", neg); }, ErrorKind::Range, "negative padding");
  Attrs zero("conv3d");
  zero.set("stride", std::vector<double>{1, 0, 1});
  expect_error([&] { make_op("conv3d", zero); }, ErrorKind::Range, "zero stride");
  std::vector<HostTensor> big = {HostTensor::random(Shape{1, 2, 3, 3, 3}, 1), HostTensor::random(Shape{2, 2, 5, 1, 1}, 2),
                                 HostTensor::absent()};
  expect_error([&] { run_forward_op("conv3d", Attrs("conv3d"), big); }, ErrorKind::Range, "kernel larger than input");
  std::vector<HostTensor> grp = {HostTensor::random(Shape{1, 3, 3, 3, 3}, 1), HostTensor::random(Shape{2, 1, 1, 1, 1}, 2),
                                 HostTensor::absent()};
  Attrs g2("conv3d");
  g2.set("groups", 2.0);
  expect_error([&] { run_forward_op("conv3d", g2, grp); }, ErrorKind::Type, "channels not divisible by groups");
}
