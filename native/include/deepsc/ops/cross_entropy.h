#pragma once
#include <vector>

#include "deepsc/op.h"

namespace deepsc {

/// cross_entropy: weighted, masked multi-class cross-entropy of logits, a scalar [1].
///
/// Inputs: logits x [N, C, ...]; target [N, ...] (or [N, 1, ...]) holding class indices as
/// floats; optional mask [N, ...] (or [N, 1, ...]) of non-negative position weights, 0 =
/// ignore. With i running over positions (n, spatial), y_i = target_i, m_i = mask_i (1 when
/// absent) and w = class_weights:
///
///   L = sum_i w[y_i] m_i (-log softmax(x_i)[y_i]) / sum_i w[y_i] m_i
///
/// which is PyTorch's `F.cross_entropy(x, y, weight=w, reduction='mean')` (masked-out
/// positions act like its ignore_index). When the denominator is 0 (everything masked or of
/// weight 0) L = 0 and the gradient is 0, where PyTorch returns NaN. log softmax is computed
/// max-subtracted, so any finite logits are safe. Gradient (logits only; target and mask are
/// not differentiable): dL/dx_{i,c} = w[y_i] m_i (softmax(x_i)_c - [c = y_i]) / denominator.
///
/// DeepSC-COVID uses it for classification (class weights (0.5, 1, 1)) and, with weights
/// (0.1, 1.0), for the lesion segmentation (Wang et al., IEEE TMI 40(9), 2021).
///
/// Errors: a target at an unmasked position that is not an integer in [0, C), or a negative
/// or non-finite mask value, raises a RangeError naming the position and the value.
struct CrossEntropyParams {
  std::vector<double> class_weights;  ///< attr `class_weights` [C], each >= 0; default all 1
};

struct CrossEntropy {
  using Params = CrossEntropyParams;
  static constexpr const char* kName = "cross_entropy";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
