#pragma once
#include <array>

#include "deepsc/op.h"

namespace deepsc {

/// paste: base [N, C, D, H, W] and patch [N, C, d, h, w] -> y, a copy of base whose region
/// [offset, offset + (d, h, w)) is replaced by patch. Gradients: to base, the output gradient
/// with that region zeroed; to patch, the output gradient's region. The inverse of crop; the
/// cross-stitch unit uses it to put patch features into the whole-scan grid.
struct PasteParams {
  std::array<int64_t, 3> offset{};  ///< attr `offset` [d, h, w] (required), each >= 0, offset + patch extent <= base extent
};

struct Paste {
  using Params = PasteParams;
  static constexpr const char* kName = "paste";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
