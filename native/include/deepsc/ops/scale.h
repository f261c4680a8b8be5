#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// scale: y = s * x for a learnable scalar s of shape [1], x any shape. Gradients: dx = s g,
/// ds = sum(g x), summed in fixed-size chunks whose partials are added in order (the same for
/// any thread count). The cross-stitch unit's alpha/beta and the lesion channel's learnable
/// factor in DeepSC-COVID are scales. No attributes.
struct ScaleParams {};

struct Scale {
  using Params = ScaleParams;
  static constexpr const char* kName = "scale";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
