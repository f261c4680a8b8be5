#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(relu_matches_reference_and_finite_differences) {
  auto ref = [](const std::vector<std::vector<double>>& in) {
    std::vector<double> y(in[0].size());
    for (size_t i = 0; i < y.size(); ++i) y[i] = in[0][i] > 0 ? in[0][i] : 0;
    return std::vector<std::vector<double>>{y};
  };
  for (Shape s : {Shape{1}, Shape{1, 3, 5, 7, 9}, Shape{40000}}) {
    auto x = HostTensor::random(s, 3);
    for (auto& v : x.data) v += v >= 0 ? 0.05f : -0.05f;  // keep finite differences off the kink
    check_op("relu", Attrs("relu"), {x}, ref);
  }
}

DEEPSC_TEST(relu_rejects_bad_arguments) {
  Attrs bad("relu");
  bad.set("alpha", 1.0);
  expect_error([&] { make_op("relu", bad); }, ErrorKind::Type, "unknown attribute");
  std::vector<HostTensor> none;
  expect_error([&] { run_forward_op("relu", Attrs("relu"), none); }, ErrorKind::Type, "missing input");
}
