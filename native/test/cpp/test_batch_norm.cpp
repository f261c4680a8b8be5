#include <cmath>

#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(batch_norm_train_matches_reference_and_updates_running_stats) {
  const int64_t n = 2, c = 3, s = 10;
  Attrs attrs("batch_norm");
  attrs.set("mode", std::string("train"));
  auto ref = [&](const std::vector<std::vector<double>>& in) {
    std::vector<double> y(in[0].size());
    for (int64_t ch = 0; ch < c; ++ch) {
      double mean = 0, var = 0;
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < s; ++k) mean += in[0][static_cast<size_t>((i * c + ch) * s + k)];
      mean /= double(n * s);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < s; ++k) var += std::pow(in[0][static_cast<size_t>((i * c + ch) * s + k)] - mean, 2);
      const double rstd = 1 / std::sqrt(var / double(n * s) + 1e-5);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < s; ++k) {
          const size_t j = static_cast<size_t>((i * c + ch) * s + k);
          y[j] = (in[0][j] - mean) * rstd * in[1][static_cast<size_t>(ch)] + in[2][static_cast<size_t>(ch)];
        }
    }
    return std::vector<std::vector<double>>{y};
  };
  std::vector<HostTensor> in{HostTensor::random({n, c, 2, 5}, 1), HostTensor::random({c}, 2, 0.5f, 1.5f),
                             HostTensor::random({c}, 3), HostTensor::absent(), HostTensor::absent()};
  check_op("batch_norm", attrs, in, ref);

  // Running statistics move towards the batch's (unbiased variance) in place.
  std::vector<HostTensor> with_stats{in[0], in[1], in[2], HostTensor{Shape{c}, std::vector<float>(3, 0.f), true},
                                     HostTensor{Shape{c}, std::vector<float>(3, 1.f), true}};
  run_forward_op("batch_norm", attrs, with_stats);
  double mean0 = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < s; ++k) mean0 += in[0].data[static_cast<size_t>(i * c * s + k)];
  mean0 /= double(n * s);
  DEEPSC_EXPECT(std::fabs(with_stats[3].data[0] - 0.1 * mean0) < 1e-6, "running_mean update");
  DEEPSC_EXPECT(with_stats[4].data[0] != 1.f, "running_var update");
}

DEEPSC_TEST(batch_norm_rejects_bad_arguments) {
  Attrs no_mode("batch_norm");
  expect_error([&] { make_op("batch_norm", no_mode); }, ErrorKind::Type, "missing mode");
  Attrs eval("batch_norm");
  eval.set("mode", std::string("eval"));
  std::vector<HostTensor> in{HostTensor::random({2, 3, 4}, 1), HostTensor::absent(), HostTensor::absent(),
                             HostTensor::absent(), HostTensor::absent()};
  expect_error([&] { run_forward_op("batch_norm", eval, in); }, ErrorKind::Type, "eval without running stats");
}
