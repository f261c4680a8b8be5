#include <cmath>
#include <limits>

#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

namespace {

// kernel 3, stride 2, padding 1 on [1, 1, D, H, W]: max (or mean with the padded divisor).
std::vector<double> pool_ref(const std::vector<double>& x, int64_t d, int64_t h, int64_t w, bool max) {
  auto out = [](int64_t n) { return (n + 2 - 3) / 2 + 1; };
  std::vector<double> y;
  for (int64_t a = 0; a < out(d); ++a)
    for (int64_t b = 0; b < out(h); ++b)
      for (int64_t e = 0; e < out(w); ++e) {
        double m = -std::numeric_limits<double>::infinity(), s = 0;
        for (int64_t i = a * 2 - 1; i < a * 2 + 2; ++i)
          for (int64_t j = b * 2 - 1; j < b * 2 + 2; ++j)
            for (int64_t k = e * 2 - 1; k < e * 2 + 2; ++k) {
              if (i < 0 || j < 0 || k < 0 || i >= d || j >= h || k >= w) continue;
              const double v = x[static_cast<size_t>((i * h + j) * w + k)];
              m = v > m ? v : m;
              s += v;
            }
        auto span = [](int64_t o, int64_t n) { return std::min(o * 2 - 1 + 3, n + 1) - (o * 2 - 1); };
        y.push_back(max ? m : s / double(span(a, d) * span(b, h) * span(e, w)));
      }
  return y;
}

Attrs window(const char* op) {
  Attrs a(op);
  a.set("kernel", 3.0);
  a.set("stride", 2.0);
  a.set("padding", 1.0);
  return a;
}

}  // namespace

DEEPSC_TEST(max_pool3d_matches_reference_and_finite_differences) {
  HostTensor x{Shape{1, 1, 5, 4, 7}, std::vector<float>(140), true};
  for (size_t i = 0; i < x.data.size(); ++i) x.data[i] = float((i * 37) % 140) * 0.01f;  // distinct: no ties
  auto ref = [](const std::vector<std::vector<double>>& in) {
    return std::vector<std::vector<double>>{pool_ref(in[0], 5, 4, 7, true)};
  };
  check_op("max_pool3d", window("max_pool3d"), {x}, ref);
}

DEEPSC_TEST(avg_pool3d_matches_reference_and_finite_differences) {
  auto ref = [](const std::vector<std::vector<double>>& in) {
    return std::vector<std::vector<double>>{pool_ref(in[0], 5, 4, 7, false)};
  };
  check_op("avg_pool3d", window("avg_pool3d"), {HostTensor::random({1, 1, 5, 4, 7}, 5)}, ref);
}

DEEPSC_TEST(pool3d_rejects_bad_arguments) {
  Attrs zero("max_pool3d");
  zero.set("kernel", 2.0);
  zero.set("stride", 0.0);
  expect_error([&] { make_op("max_pool3d", zero); }, ErrorKind::Range, "zero stride");
  Attrs big("avg_pool3d");
  big.set("kernel", 5.0);
  std::vector<HostTensor> in{HostTensor::random({1, 1, 4, 4, 4}, 1)};
  expect_error([&] { run_forward_op("avg_pool3d", big, in); }, ErrorKind::Range, "kernel larger than input");
}

DEEPSC_TEST(global_avg_pool_matches_reference_and_finite_differences) {
  auto ref = [](const std::vector<std::vector<double>>& in) {
    std::vector<double> y(6, 0.0);
    for (size_t i = 0; i < in[0].size(); ++i) y[i / 35] += in[0][i] / 35.0;
    return std::vector<std::vector<double>>{y};
  };
  check_op("global_avg_pool", Attrs("global_avg_pool"), {HostTensor::random({2, 3, 5, 7}, 8)}, ref);
}
