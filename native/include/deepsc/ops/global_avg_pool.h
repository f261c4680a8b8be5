#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// global_avg_pool: x [N, C, ...] (rank 3 to 5, [N, C, D, H, W] in DeepSC) to [N, C], the
/// mean over every spatial position (PyTorch's adaptive_avg_pool3d(x, 1).flatten(1)).
/// The sums run in fixed chunks added in order: identical for any thread count.
struct GlobalAvgPoolParams {};

struct GlobalAvgPool {
  using Params = GlobalAvgPoolParams;
  static constexpr const char* kName = "global_avg_pool";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params& p, std::span<const Shape> in, Pass pass);
};

}  // namespace deepsc
