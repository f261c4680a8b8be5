#pragma once
#include "deepsc/op.h"

namespace deepsc {

enum class BatchNormMode { train, eval };

/// batch_norm (PyTorch's F.batch_norm): x [N, C, ...] (rank 2 to 5), optional gamma [C],
/// beta [C], running_mean [C] and running_var [C]. Output: y with x's shape.
///
/// mode 'train': normalises each channel with the batch's mean and biased variance over
/// (N, spatial), and, when the running statistics are given, UPDATES THEM IN PLACE:
///   running_mean = (1 - momentum) running_mean + momentum mean
///   running_var  = (1 - momentum) running_var  + momentum var * M / (M - 1)   (unbiased, M = N x spatial)
/// so running_mean and running_var are state, not pure inputs: the forward writes through
/// their views, a graph executor must treat them as persistent buffers (never reuse or
/// share their memory, run the forward once per step), and calling forward twice updates
/// them twice. Backward never touches them. Needs M > 1.
/// mode 'eval': normalises with running_mean and running_var (both required) and mutates
/// nothing.
/// Backward (both modes) gives dx, dgamma and dbeta; running_mean and running_var have no
/// gradient. Batch statistics are recomputed in backward from x, not stored.
struct BatchNormParams {
  BatchNormMode mode = BatchNormMode::train;  ///< required: 'train' or 'eval'
  double momentum = 0.1;                      ///< in [0, 1]
  double eps = 1e-5;                          ///< added to the variance; >= 0
};

struct BatchNorm {
  using Params = BatchNormParams;
  static constexpr const char* kName = "batch_norm";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params& p, std::span<const Shape> in, Pass pass);
};

}  // namespace deepsc
