#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// add: y = a + b with NumPy broadcasting (shapes aligned at the last axis; extents equal or 1),
/// as PyTorch's `torch.add`. The output has the broadcast shape. The backward sums the
/// gradient over each input's broadcast axes, in row-major order of those axes, one input
/// element at a time (double accumulators): the result is the same for any thread count.
struct AddParams {};

struct Add {
  using Params = AddParams;
  static constexpr const char* kName = "add";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
