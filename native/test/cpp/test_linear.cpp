#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(linear_matches_reference_and_finite_differences) {
  const size_t n = 3, f = 19, o = 5;
  auto ref = [&](const std::vector<std::vector<double>>& in) {
    std::vector<double> y(n * o);
    for (size_t i = 0; i < n; ++i)
      for (size_t c = 0; c < o; ++c) {
        double s = in.size() > 2 && !in[2].empty() ? in[2][c] : 0;
        for (size_t k = 0; k < f; ++k) s += in[0][i * f + k] * in[1][c * f + k];
        y[i * o + c] = s;
      }
    return std::vector<std::vector<double>>{y};
  };
  check_op("linear", Attrs("linear"),
           {HostTensor::random(Shape{3, 19}, 1), HostTensor::random(Shape{5, 19}, 2), HostTensor::random(Shape{5}, 3)}, ref);
  check_op("linear", Attrs("linear"), {HostTensor::random(Shape{3, 19}, 1), HostTensor::random(Shape{5, 19}, 2), HostTensor::absent()},
           ref);
}

DEEPSC_TEST(linear_rejects_mismatched_features) {
  std::vector<HostTensor> in{HostTensor::random(Shape{2, 4}, 1), HostTensor::random(Shape{3, 5}, 2), HostTensor::absent()};
  expect_error([&] { run_forward_op("linear", Attrs("linear"), in); }, ErrorKind::Type, "F mismatch");
}
