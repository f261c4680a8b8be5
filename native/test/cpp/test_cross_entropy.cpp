#include "class_loss_ref.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(cross_entropy_matches_reference_and_finite_differences) {
  Attrs at("cross_entropy");
  at.set("class_weights", std::vector<double>{0.1, 1.0});
  HostTensor mask = HostTensor::random(Shape{2, 3, 5}, 4, 0.f, 1.f);
  for (float& v : mask.data) v = v < 0.3f ? 0.f : 1.f;
  auto ref = [](const std::vector<std::vector<double>>& in) { return class_loss_ref(in, 2, 2, 15, {0.1, 1.0}, 0); };
  check_op_partial("cross_entropy", at, {HostTensor::random(Shape{2, 2, 3, 5}, 1, -2, 2), classes(Shape{2, 3, 5}, 2, 2), mask}, ref, {true, false, false});
}

DEEPSC_TEST(cross_entropy_rejects_a_non_integer_target) {
  std::vector<HostTensor> in{HostTensor::random(Shape{2, 3}, 1), {Shape{2}, {0.f, 1.5f}, true}, HostTensor::absent()};
  expect_error([&] { run_forward_op("cross_entropy", Attrs("cross_entropy"), in); }, ErrorKind::Range, "target 1.5");
  in[1].data = {0.f, 3.f};
  expect_error([&] { run_forward_op("cross_entropy", Attrs("cross_entropy"), in); }, ErrorKind::Range, "target 3 of 3 classes");
}
