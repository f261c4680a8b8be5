#include <cmath>

#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

namespace {

// One axis of PyTorch's align_corners=false linear interpolation: (index, weight) pairs.
std::vector<std::pair<int64_t, double>> taps(int64_t in, int64_t out, int64_t o) {
  const float scale = float(in) / float(out);
  float src = scale * (float(o) + 0.5f) - 0.5f;
  if (src < 0) src = 0;
  const int64_t i0 = std::min<int64_t>(int64_t(std::floor(src)), in - 1);
  const double l = double(src) - double(i0);
  return {{i0, 1 - l}, {i0 < in - 1 ? i0 + 1 : i0, l}};
}

}  // namespace

DEEPSC_TEST(resize_trilinear_matches_reference_and_finite_differences) {
  const int64_t d = 3, h = 2, w = 5, od = 5, oh = 3, ow = 8;
  Attrs attrs("resize");
  attrs.set("mode", std::string("trilinear"));
  attrs.set("size", std::vector<double>{double(od), double(oh), double(ow)});
  auto ref = [&](const std::vector<std::vector<double>>& in) {
    std::vector<double> y;
    for (int64_t a = 0; a < od; ++a)
      for (int64_t b = 0; b < oh; ++b)
        for (int64_t e = 0; e < ow; ++e) {
          double s = 0;
          for (auto [i, wi] : taps(d, od, a))
            for (auto [j, wj] : taps(h, oh, b))
              for (auto [k, wk] : taps(w, ow, e)) s += wi * wj * wk * in[0][static_cast<size_t>((i * h + j) * w + k)];
          y.push_back(s);
        }
    return std::vector<std::vector<double>>{y};
  };
  check_op("resize", attrs, {HostTensor::random({1, 1, d, h, w}, 4)}, ref);
}

DEEPSC_TEST(resize_nearest_backward_sums_the_copies) {
  Attrs attrs("resize");
  attrs.set("mode", std::string("nearest"));
  attrs.set("size", std::vector<double>{1, 1, 4});
  std::vector<HostTensor> in{HostTensor::random({1, 1, 1, 1, 2}, 1)};
  auto out = run_forward_op("resize", attrs, in);
  DEEPSC_EXPECT(out[0].data[0] == in[0].data[0] && out[0].data[3] == in[0].data[1], "nearest picks");
  std::vector<HostTensor> g{HostTensor{Shape{1, 1, 1, 1, 4}, {1, 2, 3, 4}, true}};
  auto dx = run_backward_op("resize", attrs, in, out, g, {true});
  DEEPSC_EXPECT(dx[0].data[0] == 3.f && dx[0].data[1] == 7.f, "nearest backward");
}

DEEPSC_TEST(resize_rejects_bad_arguments) {
  Attrs empty("resize");
  empty.set("mode", std::string("nearest"));
  empty.set("size", std::vector<double>{2, 0, 2});
  expect_error([&] { make_op("resize", empty); }, ErrorKind::Range, "empty output size");
}
