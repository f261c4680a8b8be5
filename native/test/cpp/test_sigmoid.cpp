#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(sigmoid_matches_reference_and_finite_differences) {
  auto ref = [](const std::vector<std::vector<double>>& in) {
    std::vector<double> y(in[0].size());
    for (size_t i = 0; i < y.size(); ++i) y[i] = 1 / (1 + std::exp(-in[0][i]));
    return std::vector<std::vector<double>>{y};
  };
  for (Shape s : {Shape{1}, Shape{2, 3, 5, 1, 7}, Shape{40001}}) check_op("sigmoid", Attrs("sigmoid"), {HostTensor::random(s, 6, -5, 5)}, ref);
}

DEEPSC_TEST(sigmoid_saturates_without_nan) {
  std::vector<HostTensor> in{{Shape{4}, {-1e30f, -100.f, 100.f, 1e30f}, true}};
  auto y = run_forward_op("sigmoid", Attrs("sigmoid"), in);
  DEEPSC_EXPECT(y[0].data[0] == 0.f && y[0].data[3] == 1.f, "sigmoid saturates to 0 and 1");
  for (float v : y[0].data) DEEPSC_EXPECT(std::isfinite(v), "sigmoid output is finite");
}
