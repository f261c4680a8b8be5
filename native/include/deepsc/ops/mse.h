#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// mse: (weighted) mean squared error of a and b (same shape, both differentiable), a scalar [1]:
///
///   L = sum w (a - b)^2 / sum w   with the optional weight w (same shape as a),
///   L = mean (a - b)^2            without it (PyTorch's `F.mse_loss`).
///
/// L = 0 with zero gradients when sum w = 0. Gradients: dL/da = 2 w (a - b) / sum w = -dL/db
/// (w is not differentiable). DeepSC-COVID's task-aware term is 5 x (0.25 MSE(s1, v1) + 0.25
/// MSE(s2, v2) + 0.5 MSE(s3, v3)) between segmentation side outputs and normalised evidence
/// maps (Wang et al., IEEE TMI 40(9), 2021). Sums are in double, in fixed-size chunks added in
/// order. No attributes.
struct MseParams {};

struct Mse {
  using Params = MseParams;
  static constexpr const char* kName = "mse";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
