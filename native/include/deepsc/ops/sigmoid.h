#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// sigmoid: y = 1 / (1 + exp(-x)), any shape, evaluated without overflow for large |x|.
/// The backward uses the output: dx = g y (1 - y). No attributes.
struct SigmoidParams {};

struct Sigmoid {
  using Params = SigmoidParams;
  static constexpr const char* kName = "sigmoid";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
