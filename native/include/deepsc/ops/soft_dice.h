#pragma once
#include "deepsc/op.h"

namespace deepsc {

/// soft_dice: the (masked) soft Dice loss of probabilities, a scalar [1].
///
/// Inputs: probabilities p [N, C, ...] (e.g. a sigmoid or softmax output); target t of the
/// same shape (soft or binary); optional mask m of the same shape or [N, 1, ...] (broadcast
/// over the channels). Per sample n, with sums over all its channels and positions:
///
///   Dice_n = (2 sum p t m + smooth) / (sum p m + sum t m + smooth),   L = 1 - mean_n Dice_n
///
/// (m = 1 when absent). DeepSC-COVID's segmentation loss is this Dice with the lung mask as m
/// (Wang et al., IEEE TMI 40(9), 2021; the smoothed form follows Milletari et al., V-Net,
/// 2016). Gradient (p only; target and mask are not differentiable):
/// dL/dp = -(1/N) m (2 t D_n - (2 I_n + smooth)) / D_n^2 with I_n = sum p t m and
/// D_n = sum p m + sum t m + smooth. Sums are in double, in fixed-size chunks added in order.
struct SoftDiceParams {
  double smooth = 1e-5;  ///< attr `smooth`, default 1e-5, > 0 (keeps empty samples finite: Dice = 1)
};

struct SoftDice {
  using Params = SoftDiceParams;
  static constexpr const char* kName = "soft_dice";
  static Params parse(const Attrs& a);
  static OpSignature signature();
  static std::vector<Shape> infer(const Params& p, std::span<const Shape> in);
  static int64_t workspace_floats(const Params&, std::span<const Shape>, Pass) { return 0; }
};

}  // namespace deepsc
