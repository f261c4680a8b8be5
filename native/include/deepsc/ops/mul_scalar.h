#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// mul_scalar: y = value * x for a constant `value`, any shape. The loss weights (2 x focal,
/// 5 x task-aware term) and the U-Net's side-output fusion weights use it.
struct MulScalarParams {
  double value = 1.0;  ///< attr `value` (required), any finite number
};

struct MulScalar {
  using Params = MulScalarParams;
  static constexpr const char* kName = "mul_scalar";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
