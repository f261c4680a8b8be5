#pragma once
#include <array>

#include "deepsc/op.h"

namespace deepsc {

/// crop: x [N, C, D, H, W] -> y [N, C, size_d, size_h, size_w], the sub-volume whose first
/// voxel is x[:, :, offset_d, offset_h, offset_w] (x[..., o:o+s] per axis). Backward scatters
/// the gradient into that region and zeroes the rest. The cross-stitch unit uses it to take
/// the patch's region out of the whole-scan features.
struct CropParams {
  std::array<int64_t, 3> offset{};  ///< attr `offset` [d, h, w] (required), each >= 0
  std::array<int64_t, 3> size{};    ///< attr `size` [d, h, w] (required), each >= 1, offset + size <= x's extent
};

struct Crop {
  using Params = CropParams;
  static constexpr const char* kName = "crop";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
