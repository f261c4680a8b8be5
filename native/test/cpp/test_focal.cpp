#include "class_loss_ref.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(focal_matches_reference_and_finite_differences) {
  Attrs at("focal");
  at.set("gamma", 2.0);
  at.set("class_weights", std::vector<double>{0.5, 1.0, 1.0});
  auto ref = [](const std::vector<std::vector<double>>& in) { return class_loss_ref(in, 4, 3, 1, {0.5, 1.0, 1.0}, 2); };
  check_op_partial("focal", at, {HostTensor::random(Shape{4, 3}, 5, -3, 3), classes(Shape{4}, 3, 6), HostTensor::absent()}, ref, {true, false, false});
}

DEEPSC_TEST(focal_rejects_a_negative_gamma) {
  Attrs at("focal");
  at.set("gamma", -0.5);
  expect_error([&] { make_op("focal", at); }, ErrorKind::Range, "gamma < 0");
}
