#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// leaky_relu: y = x for x > 0, slope * x otherwise; any shape. PyTorch's `leaky_relu`
/// (its gradient at exactly 0 is `slope`, as PyTorch's is).
struct LeakyReluParams {
  double slope = 0.01;  ///< attr `slope` (PyTorch's negative_slope), default 0.01, any finite number
};

struct LeakyRelu {
  using Params = LeakyReluParams;
  static constexpr const char* kName = "leaky_relu";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
