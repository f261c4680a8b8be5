#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// relu: y = max(x, 0), any shape. No attributes.
struct ReluParams {};

struct Relu {
  using Params = ReluParams;
  static constexpr const char* kName = "relu";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
