#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(leaky_relu_matches_reference_and_finite_differences) {
  for (double slope : {0.01, 0.3}) {
    auto ref = [slope](const std::vector<std::vector<double>>& in) {
      std::vector<double> y(in[0].size());
      for (size_t i = 0; i < y.size(); ++i) y[i] = in[0][i] > 0 ? in[0][i] : slope * in[0][i];
      return std::vector<std::vector<double>>{y};
    };
    Attrs at("leaky_relu");
    at.set("slope", slope);
    for (Shape s : {Shape{1}, Shape{2, 3, 5, 1, 7}, Shape{40001}}) {
      auto x = HostTensor::random(s, 5);
      for (auto& v : x.data) v += v >= 0 ? 0.05f : -0.05f;  // keep finite differences off the kink
      check_op("leaky_relu", at, {x}, ref);
    }
  }
}

DEEPSC_TEST(leaky_relu_rejects_bad_attributes) {
  Attrs bad("leaky_relu");
  bad.set("slope", std::string("x"));
  expect_error([&] { make_op("leaky_relu", bad); }, ErrorKind::Type, "string slope");
}
