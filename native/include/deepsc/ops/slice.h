#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// slice: y = x[..., start:start+length, ...] along `axis` (PyTorch's `narrow`), any rank.
/// Backward writes the gradient into that range and zeroes the rest. DeepSC-COVID takes the
/// lesion-probability channel out of the segmentation output with it.
struct SliceParams {
  int64_t axis = 0;    ///< attr `axis` (required); negative counts from the end
  int64_t start = 0;   ///< attr `start` (required), >= 0
  int64_t length = 0;  ///< attr `length` (required), >= 0, start + length <= extent of the axis
};

struct Slice {
  using Params = SliceParams;
  static constexpr const char* kName = "slice";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
