#include <cmath>

#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

namespace {

// x [N, C, S] (S = product of the rest), statistics per (sample, group), float64.
std::vector<double> group_norm_ref(const std::vector<double>& x, const std::vector<double>* gamma,
                                   const std::vector<double>* beta, int64_t n, int64_t c, int64_t s, int64_t groups) {
  std::vector<double> y(x.size());
  const int64_t cpg = c / groups, m = cpg * s;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t g = 0; g < groups; ++g) {
      const size_t base = static_cast<size_t>((i * c + g * cpg) * s);
      double mean = 0, var = 0;
      for (int64_t k = 0; k < m; ++k) mean += x[base + k];
      mean /= double(m);
      for (int64_t k = 0; k < m; ++k) var += (x[base + k] - mean) * (x[base + k] - mean);
      const double rstd = 1 / std::sqrt(var / double(m) + 1e-5);
      for (int64_t k = 0; k < m; ++k) {
        const size_t ch = static_cast<size_t>(g * cpg + k / s);
        y[base + k] = (x[base + k] - mean) * rstd * (gamma ? (*gamma)[ch] : 1) + (beta ? (*beta)[ch] : 0);
      }
    }
  return y;
}

}  // namespace

DEEPSC_TEST(group_norm_matches_reference_and_finite_differences) {
  Attrs attrs("group_norm");
  attrs.set("groups", 2.0);
  auto ref = [](const std::vector<std::vector<double>>& in) {
    return std::vector<std::vector<double>>{group_norm_ref(in[0], &in[1], &in[2], 2, 4, 3 * 2 * 5, 2)};
  };
  check_op("group_norm", attrs, {HostTensor::random({2, 4, 3, 2, 5}, 1), HostTensor::random({4}, 2, 0.5f, 1.5f),
                                 HostTensor::random({4}, 3)},
           ref);
}

DEEPSC_TEST(instance_norm_matches_reference_without_affine) {
  auto ref = [](const std::vector<std::vector<double>>& in) {
    return std::vector<std::vector<double>>{group_norm_ref(in[0], nullptr, nullptr, 1, 3, 7 * 3, 3)};
  };
  check_op("instance_norm", Attrs("instance_norm"),
           {HostTensor::random({1, 3, 7, 3}, 4), HostTensor::absent(), HostTensor::absent()}, ref);
}

DEEPSC_TEST(group_norm_rejects_bad_arguments) {
  Attrs three("group_norm");
  three.set("groups", 3.0);
  std::vector<HostTensor> in{HostTensor::random({1, 4, 2, 2, 2}, 1), HostTensor::absent(), HostTensor::absent()};
  expect_error([&] { run_forward_op("group_norm", three, in); }, ErrorKind::Range, "C not divisible by groups");
  Attrs none("group_norm");
  expect_error([&] { make_op("group_norm", none); }, ErrorKind::Type, "missing groups");
  Attrs two("group_norm");
  two.set("groups", 2.0);
  std::vector<HostTensor> bad_gamma{HostTensor::random({1, 4, 2}, 1), HostTensor::random({3}, 2), HostTensor::absent()};
  expect_error([&] { run_forward_op("group_norm", two, bad_gamma); }, ErrorKind::Type, "gamma of the wrong length");
}
