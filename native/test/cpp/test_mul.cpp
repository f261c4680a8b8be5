#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(mul_broadcasts_and_reduces_its_gradients) {
  // a [2, 3, 4] * b [3, 1]: b broadcasts over axis 0 and the last axis.
  auto ref = [](const std::vector<std::vector<double>>& in) {
    std::vector<double> y(24);
    for (size_t i = 0; i < 2; ++i)
      for (size_t j = 0; j < 3; ++j)
        for (size_t k = 0; k < 4; ++k) y[(i * 3 + j) * 4 + k] = in[0][(i * 3 + j) * 4 + k] * in[1][j];
    return std::vector<std::vector<double>>{y};
  };
  check_op("mul", Attrs("mul"), {HostTensor::random(Shape{2, 3, 4}, 1), HostTensor::random(Shape{3, 1}, 2)}, ref);
  auto same = [](const std::vector<std::vector<double>>& in) {
    std::vector<double> y(in[0].size());
    for (size_t i = 0; i < y.size(); ++i) y[i] = in[0][i] * in[1][i];
    return std::vector<std::vector<double>>{y};
  };
  check_op("mul", Attrs("mul"), {HostTensor::random(Shape{40000}, 3), HostTensor::random(Shape{40000}, 4)}, same);
}

DEEPSC_TEST(mul_broadcasts_against_an_empty_axis) {
  // [2, 1] against [0] gives [2, 0]: nothing flows back, and nothing may be read.
  std::vector<HostTensor> in{HostTensor::random(Shape{2, 1}, 1), HostTensor::random(Shape{0}, 2)};
  auto out = run_forward_op("mul", Attrs("mul"), in);
  DEEPSC_EXPECT(out[0].shape == (Shape{2, 0}), "output shape " + out[0].shape.str());
  std::vector<HostTensor> g{HostTensor::random(Shape{2, 0}, 3)};
  auto grads = run_backward_op("mul", Attrs("mul"), in, out, g, {true, true});
  DEEPSC_EXPECT(grads[0].data == std::vector<float>({0.f, 0.f}), "gradient of a is zero");
}

DEEPSC_TEST(mul_rejects_shapes_that_do_not_broadcast) {
  std::vector<HostTensor> in{HostTensor::random(Shape{2, 3}, 1), HostTensor::random(Shape{2}, 2)};
  expect_error([&] { run_forward_op("mul", Attrs("mul"), in); }, ErrorKind::Type, "broadcast");
}
