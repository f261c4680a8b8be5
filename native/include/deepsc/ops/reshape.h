#pragma once
#include <vector>

#include "deepsc/op.h"

namespace deepsc {

/// reshape: the same elements in the same (row-major) order under a new shape with the same
/// element count (PyTorch's `reshape` of a contiguous tensor). One entry of `shape` may be -1:
/// it is inferred from the element count. The gradient is the output gradient, reshaped back.
struct ReshapeParams {
  std::vector<int64_t> shape;  ///< attr `shape` (required): entries >= 0, at most one -1
};

struct Reshape {
  using Params = ReshapeParams;
  static constexpr const char* kName = "reshape";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
