#include "partial_check.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(mse_matches_reference_and_finite_differences) {
  auto ref = [](const std::vector<std::vector<double>>& in) {
    double num = 0, den = 0;
    for (size_t i = 0; i < in[0].size(); ++i) {
      const double w = in.size() > 2 && !in[2].empty() ? in[2][i] : 1;
      num += w * (in[0][i] - in[1][i]) * (in[0][i] - in[1][i]);
      den += w;
    }
    return std::vector<std::vector<double>>{{num / den}};
  };
  check_op_partial("mse", Attrs("mse"), {HostTensor::random(Shape{3, 7}, 1), HostTensor::random(Shape{3, 7}, 2), HostTensor::absent()}, ref, {true, true, false});
  check_op_partial("mse", Attrs("mse"),
           {HostTensor::random(Shape{3, 7}, 1), HostTensor::random(Shape{3, 7}, 2), HostTensor::random(Shape{3, 7}, 3, 0, 2)}, ref, {true, true, false});
  check_op_partial("mse", Attrs("mse"), {HostTensor::random(Shape{70001}, 4), HostTensor::random(Shape{70001}, 5), HostTensor::absent()}, ref, {true, true, false});
}

DEEPSC_TEST(mse_rejects_mismatched_shapes) {
  std::vector<HostTensor> in{HostTensor::random(Shape{3}, 1), HostTensor::random(Shape{4}, 2), HostTensor::absent()};
  expect_error([&] { run_forward_op("mse", Attrs("mse"), in); }, ErrorKind::Type, "shape mismatch");
}
