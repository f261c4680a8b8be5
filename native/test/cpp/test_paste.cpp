#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

DEEPSC_TEST(paste_matches_reference_and_finite_differences) {
  Attrs at("paste");
  at.set("offset", std::vector<double>{1, 0, 2});
  auto ref = [](const std::vector<std::vector<double>>& in) {
    std::vector<double> y = in[0];
    size_t r = 0;
    for (int64_t nc = 0; nc < 2; ++nc)
      for (int64_t d = 1; d < 3; ++d)
        for (int64_t h = 0; h < 3; ++h)
          for (int64_t w = 2; w < 7; ++w) y[size_t(((nc * 4 + d) * 3 + h) * 7 + w)] = in[1][r++];
    return std::vector<std::vector<double>>{y};
  };
  check_op("paste", at, {HostTensor::random(Shape{1, 2, 4, 3, 7}, 1), HostTensor::random(Shape{1, 2, 2, 3, 5}, 2)}, ref);
}

DEEPSC_TEST(paste_rejects_a_patch_outside_base) {
  Attrs at("paste");
  at.set("offset", std::vector<double>{0, 0, 3});
  std::vector<HostTensor> in{HostTensor::random(Shape{1, 1, 4, 4, 4}, 1), HostTensor::random(Shape{1, 1, 1, 1, 2}, 2)};
  expect_error([&] { run_forward_op("paste", at, in); }, ErrorKind::Range, "outside");
}
