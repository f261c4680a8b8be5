#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// group_norm (PyTorch's F.group_norm): x [N, C, ...] (rank 3 to 5, NCDHW for volumes), with
/// optional per-channel affine gamma [C] and beta [C]. The C channels are split into `groups`
/// consecutive groups; each (sample, group) is normalised with its own mean and biased
/// variance: y = (x - mean) / sqrt(var + eps) * gamma[c] + beta[c]. Output: x's shape.
/// Backward gives dx, dgamma and dbeta. Statistics are recomputed in backward, not stored.
struct GroupNormParams {
  int64_t groups = 1;  ///< required; must divide C
  double eps = 1e-5;   ///< added to the variance; >= 0
};

struct GroupNorm {
  using Params = GroupNormParams;
  static constexpr const char* kName = "group_norm";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params& p, std::span<const Shape> in, Pass pass);
};

}  // namespace deepsc
