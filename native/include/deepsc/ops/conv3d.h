#pragma once
#include <array>

#include "deepsc/op.h"
#include "deepsc/ops/conv_geometry.h"

namespace deepsc {

/// conv3d: PyTorch's Conv3d. Inputs x [N, C, D, H, W], w [K, C/groups, kD, kH, kW], b [K]
/// (optional); output [N, K, Do, Ho, Wo] with Do = (D + 2 pD - dD (kD - 1) - 1) / sD + 1
/// (floor), likewise for H and W. Attributes (a number or [d, h, w]): stride (1),
/// padding (0), dilation (1); groups (1).
struct Conv3dParams {
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> padding{0, 0, 0};
  std::array<int64_t, 3> dilation{1, 1, 1};
  int64_t groups = 1;
};

struct Conv3d {
  using Params = Conv3dParams;
  static constexpr const char* kName = "conv3d";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  /// Validates the input shapes (x, w[, b]) and returns the convolution they describe.
  static ConvGeometry geometry(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params& p, std::span<const Shape> in, Pass pass);
};

}  // namespace deepsc
