#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// linear: x [N, F], w [O, F] (PyTorch's layout), optional b [O] -> y [N, O] with
/// y = x w^T + b (PyTorch's `F.linear`). Gradients: dx = g w, dw = g^T x, db = sum_n g; each
/// output element is one dot product or sum in a fixed order (same for any thread count).
/// DeepSC-COVID's classifier (448 pooled features to 3 classes) is one.
struct LinearParams {};

struct Linear {
  using Params = LinearParams;
  static constexpr const char* kName = "linear";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
