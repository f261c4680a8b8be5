#include "partial_check.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(soft_dice_matches_reference_and_finite_differences) {
  // p, t [2, 2, 6]; the mask [2, 1, 6] is broadcast over the channels.
  Attrs at("soft_dice");
  at.set("smooth", 0.5);
  auto ref = [](const std::vector<std::vector<double>>& in) {
    double dice = 0;
    for (size_t n = 0; n < 2; ++n) {
      double inter = 0, total = 0;
      for (size_t c = 0; c < 2; ++c)
        for (size_t k = 0; k < 6; ++k) {
          const size_t e = (n * 2 + c) * 6 + k;
          const double m = in[2][n * 6 + k];
          inter += m * in[0][e] * in[1][e];
          total += m * (in[0][e] + in[1][e]);
        }
      dice += (2 * inter + 0.5) / (total + 0.5);
    }
    return std::vector<std::vector<double>>{{1 - dice / 2}};
  };
  HostTensor t = HostTensor::random(Shape{2, 2, 6}, 2, 0, 1), m = HostTensor::random(Shape{2, 1, 6}, 3, 0, 1);
  for (float& v : t.data) v = v < 0.5f ? 0.f : 1.f;
  for (float& v : m.data) v = v < 0.3f ? 0.f : 1.f;
  check_op_partial("soft_dice", at, {HostTensor::random(Shape{2, 2, 6}, 1, 0.05f, 0.95f), t, m}, ref, {true, false, false});
}

DEEPSC_TEST(soft_dice_rejects_a_mismatched_target) {
  std::vector<HostTensor> in{HostTensor::random(Shape{1, 1, 4}, 1), HostTensor::random(Shape{1, 1, 5}, 2), HostTensor::absent()};
  expect_error([&] { run_forward_op("soft_dice", Attrs("soft_dice"), in); }, ErrorKind::Type, "target shape");
}
