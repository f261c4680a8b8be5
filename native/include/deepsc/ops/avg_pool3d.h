#pragma once
#include "deepsc/op.h"
#include "deepsc/ops/pool_window.h"

namespace deepsc {

/// avg_pool3d (PyTorch's F.avg_pool3d): x [N, C, D, H, W] to [N, C, oD, oH, oW]. Each output
/// is the sum of its window's real voxels divided by the window's size clipped to the padded
/// input (count_include_pad, PyTorch's default) or by the number of real voxels.
struct AvgPool3dParams {
  PoolWindow window;              ///< kernel (required), stride (= kernel), padding (0), ceil_mode (false)
  bool count_include_pad = true;  ///< PyTorch's name and default
};

struct AvgPool3d {
  using Params = AvgPool3dParams;
  static constexpr const char* kName = "avg_pool3d";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
