#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(slice_matches_reference_and_finite_differences) {
  Attrs at("slice");
  at.set("axis", -1.0);
  at.set("start", 2.0);
  at.set("length", 3.0);
  auto ref = [](const std::vector<std::vector<double>>& in) {
    std::vector<double> y;
    for (size_t r = 0; r < 6; ++r) y.insert(y.end(), in[0].begin() + long(r * 7 + 2), in[0].begin() + long(r * 7 + 5));
    return std::vector<std::vector<double>>{y};
  };
  check_op("slice", at, {HostTensor::random(Shape{2, 3, 7}, 4)}, ref);
}

DEEPSC_TEST(slice_rejects_a_range_past_the_end) {
  Attrs at("slice");
  at.set("axis", 0.0);
  at.set("start", 1.0);
  at.set("length", 2.0);
  std::vector<HostTensor> in{HostTensor::random(Shape{2}, 1)};
  expect_error([&] { run_forward_op("slice", at, in); }, ErrorKind::Range, "past the end");
}
