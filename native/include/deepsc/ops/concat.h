#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// concat: inputs x0, x1, ... (one or more, same rank, equal extents except along `axis`) ->
/// y, joined along `axis` in input order (PyTorch's `torch.cat`). The gradient of each input
/// is its slice of the output gradient.
struct ConcatParams {
  int64_t axis = 1;  ///< attr `axis`, default 1 (channels); negative counts from the end, as in PyTorch
};

struct Concat {
  using Params = ConcatParams;
  static constexpr const char* kName = "concat";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
