#pragma once
#include "deepsc/op.h"
#include "deepsc/ops/pool_window.h"

namespace deepsc {

/// max_pool3d (PyTorch's F.max_pool3d): x [N, C, D, H, W] to [N, C, oD, oH, oW]; padding
/// counts as -infinity; a NaN in a window wins (as in PyTorch). Backward routes each output
/// gradient to the first maximum of its window in (kd, kh, kw) scan order, which it finds
/// again from x (no index tensor is stored).
struct MaxPool3dParams {
  PoolWindow window;  ///< kernel (required), stride (= kernel), padding (0), dilation (1), ceil_mode (false)
};

struct MaxPool3d {
  using Params = MaxPool3dParams;
  static constexpr const char* kName = "max_pool3d";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
