#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

namespace {

// log_softmax over axis 1 of [N, C, S] in double.
std::vector<std::vector<double>> log_softmax_ref(const std::vector<double>& x, int64_t n, int64_t c, int64_t s) {
  std::vector<double> y(x.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < s; ++k) {
      double m = -INFINITY, sum = 0;
      for (int64_t j = 0; j < c; ++j) m = std::max(m, x[size_t((i * c + j) * s + k)]);
      for (int64_t j = 0; j < c; ++j) sum += std::exp(x[size_t((i * c + j) * s + k)] - m);
      for (int64_t j = 0; j < c; ++j) {
        const double l = x[size_t((i * c + j) * s + k)] - m - std::log(sum);
        y[size_t((i * c + j) * s + k)] = l;
      }
    }
  return {y};
}

}  // namespace

DEEPSC_TEST(log_softmax_matches_reference_and_finite_differences) {
  for (Shape s : {Shape{3, 1}, Shape{2, 5, 3, 1, 7}, Shape{2, 3, 300}}) {
    const int64_t sp = s.size() / (s[0] * s[1]);
    auto ref = [&](const std::vector<std::vector<double>>& in) { return log_softmax_ref(in[0], s[0], s[1], sp); };
    check_op("log_softmax", Attrs("log_softmax"), {HostTensor::random(s, 7, -3, 3)}, ref);
  }
}

DEEPSC_TEST(log_softmax_rejects_rank_1) {
  std::vector<HostTensor> in{HostTensor::random(Shape{4}, 1)};
  expect_error([&] { run_forward_op("log_softmax", Attrs("log_softmax"), in); }, ErrorKind::Type, "rank 1");
}
