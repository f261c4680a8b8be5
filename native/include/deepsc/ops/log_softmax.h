#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// log_softmax over the channel axis 1 of x [N, C, ...] (rank >= 2):
/// y[n,c,s] = x[n,c,s] - m - log sum_c' exp(x[n,c',s] - m) with m = max_c x[n,c,s] (no
/// overflow, no log of 0). Backward: dx = g - exp(y) sum_c g. No attributes.
struct LogSoftmaxParams {};

struct LogSoftmax {
  using Params = LogSoftmaxParams;
  static constexpr const char* kName = "log_softmax";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
