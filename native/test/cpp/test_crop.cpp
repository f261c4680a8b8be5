#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

namespace {
Attrs crop_attrs(std::vector<double> off, std::vector<double> size) {
  Attrs a("crop");
  a.set("offset", off);
  a.set("size", size);
  return a;
}
}  // namespace

DEEPSC_TEST(crop_matches_reference_and_finite_differences) {
  const Shape xs{2, 3, 5, 6, 7};
  auto ref = [&](const std::vector<std::vector<double>>& in) {
    std::vector<double> y;
    for (int64_t nc = 0; nc < 6; ++nc)
      for (int64_t d = 1; d < 4; ++d)
        for (int64_t h = 2; h < 6; ++h)
          for (int64_t w = 0; w < 5; ++w) y.push_back(in[0][size_t(((nc * 5 + d) * 6 + h) * 7 + w)]);
    return std::vector<std::vector<double>>{y};
  };
  check_op("crop", crop_attrs({1, 2, 0}, {3, 4, 5}), {HostTensor::random(xs, 9)}, ref);
}

DEEPSC_TEST(crop_rejects_a_region_outside_x) {
  std::vector<HostTensor> in{HostTensor::random(Shape{1, 1, 4, 4, 4}, 1)};
  expect_error([&] { run_forward_op("crop", crop_attrs({0, 0, 2}, {1, 1, 3}), in); }, ErrorKind::Range, "outside");
  expect_error([&] { run_forward_op("crop", crop_attrs({0, 0, 0}, {0, 1, 1}), in); }, ErrorKind::Range, "zero size");
}
