#pragma once
#include <array>

#include "deepsc/op.h"

namespace deepsc {

enum class ResizeMode { trilinear, nearest };

/// resize (PyTorch's F.interpolate(x, size=size, mode=...)): x [N, C, D, H, W] to
/// [N, C, size[0], size[1], size[2]], up or down, by any (non-integer) factor per axis.
/// 'trilinear' uses align_corners=false: source coordinate (dst + 0.5) * in / out - 0.5,
/// clamped at 0, interpolating between its floor and the next voxel (the last voxel repeats
/// at the far edge). 'nearest' takes voxel min(floor(dst * in / out), in - 1). Index
/// arithmetic is in float32 as in PyTorch's CPU kernels, so both pick the same voxels.
/// Backward gives dx for both modes.
struct ResizeParams {
  ResizeMode mode = ResizeMode::trilinear;  ///< required
  std::array<int64_t, 3> size{1, 1, 1};     ///< required, each >= 1
};

struct Resize {
  using Params = ResizeParams;
  static constexpr const char* kName = "resize";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
