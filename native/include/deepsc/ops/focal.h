#pragma once
#include <vector>

#include "deepsc/op.h"

namespace deepsc {

/// focal: the multi-class focal loss of logits (Lin et al., "Focal Loss for Dense Object
/// Detection", ICCV 2017), weighted and masked, a scalar [1].
///
/// Inputs as cross_entropy: logits x [N, C, ...], target [N, ...] (or [N, 1, ...]) of class
/// indices as floats, optional mask of non-negative position weights (0 = ignore). With
/// p_i = softmax(x_i)[y_i]:
///
///   L = sum_i w[y_i] m_i (-(1 - p_i)^gamma log p_i) / sum_i w[y_i] m_i
///
/// normalised like cross_entropy (gamma = 0 gives cross_entropy exactly); 0 when the
/// denominator is 0. log p is computed max-subtracted and 1 - p as -expm1(log p), so
/// confident predictions keep their precision. Gradient (logits only):
/// dL/dx_{i,c} = w m a_i (softmax(x_i)_c - [c = y_i]) / denominator with
/// a_i = (1 - p)^gamma - gamma (1 - p)^(gamma - 1) p log p.
///
/// DeepSC-COVID weights it 2x beside the classification cross-entropy, gamma 2, class weights
/// (0.5, 1, 1) (Wang et al., IEEE TMI 40(9), 2021). Errors as cross_entropy.
struct FocalParams {
  double gamma = 2.0;                 ///< attr `gamma`, default 2, >= 0
  std::vector<double> class_weights;  ///< attr `class_weights` [C], each >= 0; default all 1
};

struct Focal {
  using Params = FocalParams;
  static constexpr const char* kName = "focal";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
