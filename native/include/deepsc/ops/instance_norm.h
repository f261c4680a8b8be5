#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// instance_norm (PyTorch's F.instance_norm with batch statistics): x [N, C, ...] (rank 3 to
/// 5), optional gamma [C] and beta [C]; each (sample, channel) is normalised over its spatial
/// positions. Exactly group_norm with groups = C, and it runs group_norm's kernel.
struct InstanceNormParams {
  double eps = 1e-5;  ///< added to the variance; >= 0
};

struct InstanceNorm {
  using Params = InstanceNormParams;
  static constexpr const char* kName = "instance_norm";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params& p, std::span<const Shape> in, Pass pass);
};

}  // namespace deepsc
