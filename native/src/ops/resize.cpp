#include "deepsc/ops/resize.h"

namespace deepsc {

ResizeParams Resize::parse(const Attrs& a) {
  a.require_known({"mode", "size"});
  if (!a.has("mode")) fail(ErrorKind::Type, a.op(), "attribute 'mode' is required: 'trilinear' or 'nearest'");
  if (!a.has("size")) fail(ErrorKind::Type, a.op(), "attribute 'size' is required: the output's [D, H, W]");
  ResizeParams p;
  p.mode = a.choice("mode", "trilinear", {"trilinear", "nearest"}) == "trilinear" ? ResizeMode::trilinear
                                                                                : ResizeMode::nearest;
  const auto size = a.integers("size", {});
  if (size.size() != 3)
    fail(ErrorKind::Type, a.op(), "attribute 'size' must be 3 integers [D, H, W], got " + std::to_string(size.size()));
  for (int i = 0; i < 3; ++i) {
    if (size[i] < 1)
      fail(ErrorKind::Range, a.op(),
           "size must be >= 1 on every axis (an empty output), got [" + std::to_string(size[0]) + ", " +
               std::to_string(size[1]) + ", " + std::to_string(size[2]) + "]");
    p.size[i] = size[i];
  }
  return p;
}

OpSignature Resize::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> Resize::infer(const Params& p, std::span<const Shape> in) {
  const Shape& x = in[0];
  if (x.rank() != 5) fail(ErrorKind::Type, kName, "x must be [N, C, D, H, W] (rank 5), got shape " + x.str());
  for (int i = 0; i < 5; ++i)
    if (x[i] < 1) fail(ErrorKind::Range, kName, "x must not be empty, got shape " + x.str());
  return {Shape{x[0], x[1], p.size[0], p.size[1], p.size[2]}};
}

}  // namespace deepsc
