#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(mul_scalar_matches_reference_and_finite_differences) {
  Attrs at("mul_scalar");
  at.set("value", -2.5);
  auto ref = [](const std::vector<std::vector<double>>& in) {
    std::vector<double> y(in[0]);
    for (double& v : y) v *= -2.5;
    return std::vector<std::vector<double>>{y};
  };
  check_op("mul_scalar", at, {HostTensor::random(Shape{3, 7}, 1)}, ref);
  expect_error([] { make_op("mul_scalar", Attrs("mul_scalar")); }, ErrorKind::Type, "value is required");
}
