#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(scale_matches_reference_and_finite_differences) {
  auto ref = [](const std::vector<std::vector<double>>& in) {
    std::vector<double> y(in[0]);
    for (double& v : y) v *= in[1][0];
    return std::vector<std::vector<double>>{y};
  };
  check_op("scale", Attrs("scale"), {HostTensor::random(Shape{2, 3, 5}, 1), HostTensor::random(Shape{1}, 2)}, ref);
  check_op("scale", Attrs("scale"), {HostTensor::random(Shape{70001}, 3), HostTensor::random(Shape{1}, 4)}, ref);
}

DEEPSC_TEST(scale_rejects_a_non_scalar_factor) {
  std::vector<HostTensor> in{HostTensor::random(Shape{3}, 1), HostTensor::random(Shape{2}, 2)};
  expect_error([&] { run_forward_op("scale", Attrs("scale"), in); }, ErrorKind::Type, "s must be [1]");
}
