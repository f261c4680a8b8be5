#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(reshape_keeps_elements_and_infers_minus_one) {
  Attrs at("reshape");
  at.set("shape", std::vector<double>{-1, 5});
  auto ref = [](const std::vector<std::vector<double>>& in) { return std::vector<std::vector<double>>{in[0]}; };
  check_op("reshape", at, {HostTensor::random(Shape{3, 1, 5}, 2)}, ref);
  std::vector<HostTensor> in{HostTensor::random(Shape{3, 1, 5}, 2)};
  auto out = run_forward_op("reshape", at, in);
  DEEPSC_EXPECT(out[0].shape == (Shape{3, 5}), "inferred shape " + out[0].shape.str());
}

DEEPSC_TEST(reshape_rejects_a_different_element_count) {
  Attrs at("reshape");
  at.set("shape", std::vector<double>{4, 4});
  std::vector<HostTensor> in{HostTensor::random(Shape{3, 5}, 2)};
  expect_error([&] { run_forward_op("reshape", at, in); }, ErrorKind::Range, "element count");
}
