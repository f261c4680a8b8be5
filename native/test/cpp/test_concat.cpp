#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(concat_matches_reference_and_finite_differences) {
  // [2, 1, 3] ++ [2, 2, 3] along axis 1 (the default).
  auto ref = [](const std::vector<std::vector<double>>& in) {
    std::vector<double> y;
    for (size_t n = 0; n < 2; ++n) {
      y.insert(y.end(), in[0].begin() + long(n * 3), in[0].begin() + long(n * 3 + 3));
      y.insert(y.end(), in[1].begin() + long(n * 6), in[1].begin() + long(n * 6 + 6));
    }
    return std::vector<std::vector<double>>{y};
  };
  check_op("concat", Attrs("concat"), {HostTensor::random(Shape{2, 1, 3}, 1), HostTensor::random(Shape{2, 2, 3}, 2)}, ref);
}

DEEPSC_TEST(concat_rejects_mismatched_shapes) {
  std::vector<HostTensor> in{HostTensor::random(Shape{2, 1, 3}, 1), HostTensor::random(Shape{2, 1, 4}, 2)};
  expect_error([&] { run_forward_op("concat", Attrs("concat"), in); }, ErrorKind::Type, "mismatch");
}
