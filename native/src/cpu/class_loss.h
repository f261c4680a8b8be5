#pragma once
// The class-index losses (cross_entropy, focal) share one implementation: the per-position
// term is -(1 - p)^gamma log p with p the softmax probability of the target class, which is
// the cross-entropy for gamma = 0. See include/deepsc/ops/{cross_entropy,focal}.h.
#include <cmath>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "cpu/channel_blocks.h"
#include "cpu/kernels.h"
#include "cpu/optional_input.h"
#include "cpu/ordered_sum.h"

namespace deepsc::cpu {

struct ClassLossArgs {
  const char* op;
  ChannelLayout l;
  const float* x;
  const float* target;
  const float* mask;  ///< nullptr: every position weighs 1
  const std::vector<double>* weights;
  double gamma;
};

inline std::string format_value(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  return buf;
}

inline ClassLossArgs class_loss_args(const char* op, std::span<const TensorView> in, const std::vector<double>& w, double gamma) {
  return {op, channel_layout(in[0].shape), in[0].data, in[1].data, optional_input(in, 2, op, "mask"), &w, gamma};
}

/// Rejects targets that are not class indices and masks that are negative or not finite, at
/// the first offending position (a serial pass, so the message does not depend on threads).
inline void validate_targets(const ClassLossArgs& a) {
  const int64_t n = a.l.n * a.l.s;
  for (int64_t i = 0; i < n; ++i) {
    const float m = a.mask ? a.mask[i] : 1.f;
    if (!(m >= 0.f) || !std::isfinite(m))
      fail(ErrorKind::Range, a.op, "mask[" + std::to_string(i) + "] = " + format_value(m) + " must be finite and >= 0");
    if (m == 0.f) continue;
    const float y = a.target[i];
    if (!(y >= 0.f && y < static_cast<float>(a.l.c) && y == std::floor(y)))
      fail(ErrorKind::Range, a.op,
           "target[" + std::to_string(i) + "] = " + format_value(y) + " is not a class index (expected an integer in [0, " +
               std::to_string(a.l.c) + "))");
  }
}

inline double class_weight(const ClassLossArgs& a, int64_t y) {
  return a.weights->empty() ? 1.0 : (*a.weights)[static_cast<size_t>(y)];
}

/// For the positions [s0, s1) of sample n: the softmax normaliser (mx, lsum: log softmax_c =
/// x_c - mx - lsum). lsum is summed in double: for a confident prediction it is log(1 + tiny),
/// which float would round to 0 and so lose 1 - p entirely.
inline void block_log_softmax(const ClassLossArgs& a, int64_t n, int64_t s0, int64_t s1, float* mx, double* lsum) {
  const int64_t len = s1 - s0;
  log_normaliser(a.x + n * a.l.c * a.l.s + s0, a.l.c, a.l.s, len, mx, lsum);
}

/// (1 - p)^gamma and the gradient factor a = (1 - p)^gamma - gamma (1 - p)^(gamma-1) p log p,
/// from lp = log p, with 1 - p = -expm1(lp) so that p near 1 keeps its digits.
inline void focal_terms(double lp, double gamma, double& mod, double& factor) {
  if (gamma == 0) {
    mod = factor = 1;
    return;
  }
  const double q = -std::expm1(lp);  // 1 - p
  mod = std::pow(q, gamma);
  const double p = std::exp(lp);
  // q^(gamma-1) p log p -> 0 as q -> 0 for gamma > 0 (log p ~ -q).
  const double tail = q > 0 ? gamma * std::pow(q, gamma - 1) * p * lp : 0.0;
  factor = mod - tail;
}

/// The loss value (a double; 0 when the denominator is 0). Validates the targets first.
inline double class_loss_forward(const ClassLossArgs& a) {
  validate_targets(a);
  const auto sums = ordered_sum<2>(a.l.tasks(), [&](int64_t t) {
    double num = 0, den = 0;
    a.l.for_task_blocks(t, [&](int64_t n, int64_t s0, int64_t s1) {
      float mx[kChannelBlock];
      double lsum[kChannelBlock];
      block_log_softmax(a, n, s0, s1, mx, lsum);
      for (int64_t k = 0; k < s1 - s0; ++k) {
        const int64_t pos = n * a.l.s + s0 + k;
        const double m = a.mask ? a.mask[pos] : 1.0;
        if (m == 0) continue;
        const int64_t y = static_cast<int64_t>(a.target[pos]);
        const double lp = (static_cast<double>(a.x[(n * a.l.c + y) * a.l.s + s0 + k]) - mx[k]) - lsum[k];
        double mod, factor;
        focal_terms(lp, a.gamma, mod, factor);
        const double wm = class_weight(a, y) * m;
        num += wm * (-mod * lp);
        den += wm;
      }
    });
    return std::array<double, 2>{num, den};
  });
  return sums[1] > 0 ? sums[0] / sums[1] : 0.0;
}

/// dL/dx given dL/dL = g.
inline void class_loss_backward(const ClassLossArgs& a, float g, float* dx) {
  validate_targets(a);
  const int64_t positions = a.l.n * a.l.s;
  const int64_t grain = int64_t(1) << 15;
  const double den = ordered_sum<1>((positions + grain - 1) / grain, [&](int64_t t) {
    double d = 0;
    for (int64_t i = t * grain, e = std::min(positions, i + grain); i < e; ++i) {
      const double m = a.mask ? a.mask[i] : 1.0;
      if (m != 0) d += class_weight(a, static_cast<int64_t>(a.target[i])) * m;
    }
    return std::array<double, 1>{d};
  })[0];
  for_channel_blocks(a.l, [&](int64_t n, int64_t s0, int64_t s1) {
    const int64_t len = s1 - s0, off = n * a.l.c * a.l.s + s0;
    float mx[kChannelBlock], coef[kChannelBlock];
    double lsum[kChannelBlock];
    int64_t cls[kChannelBlock];
    block_log_softmax(a, n, s0, s1, mx, lsum);
    for (int64_t k = 0; k < len; ++k) {
      const int64_t pos = n * a.l.s + s0 + k;
      const double m = a.mask ? a.mask[pos] : 1.0;
      cls[k] = -1;
      coef[k] = 0.f;
      if (m == 0 || den <= 0) continue;
      const int64_t y = static_cast<int64_t>(a.target[pos]);
      const double lp = (static_cast<double>(a.x[off + y * a.l.s + k]) - mx[k]) - lsum[k];
      double mod, factor;
      focal_terms(lp, a.gamma, mod, factor);
      cls[k] = y;
      coef[k] = static_cast<float>(g * class_weight(a, y) * m * factor / den);
    }
    for (int64_t c = 0; c < a.l.c; ++c)
      for (int64_t k = 0; k < len; ++k) {
        const int64_t i = off + c * a.l.s + k;
        const float p = static_cast<float>(std::exp(static_cast<double>(a.x[i] - mx[k]) - lsum[k]));
        dx[i] = coef[k] * (p - (cls[k] == c ? 1.f : 0.f));
      }
  });
}

}  // namespace deepsc::cpu
