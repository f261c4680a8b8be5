#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// softmax over the channel axis 1 of x [N, C, ...] (rank >= 2):
/// y[n,c,s] = exp(x[n,c,s] - m) / sum_c' exp(x[n,c',s] - m) with m = max_c x[n,c,s], so no
/// exponent overflows. Backward: dx = y (g - sum_c g y). No attributes.
struct SoftmaxParams {};

struct Softmax {
  using Params = SoftmaxParams;
  static constexpr const char* kName = "softmax";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
