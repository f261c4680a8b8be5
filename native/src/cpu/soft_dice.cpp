#include <array>
#include <vector>

#include "cpu/kernels.h"
#include "cpu/optional_input.h"

namespace deepsc::cpu {

namespace {

struct DiceLayout {
  int64_t n, per_sample, s, c;  ///< samples, elements per sample, positions per channel, channels
  bool mask_per_position;       ///< mask is [N, 1, ...] (broadcast over C)
  int64_t chunks() const { return (per_sample + kElementwiseGrain - 1) / kElementwiseGrain; }
  int64_t mask_index(int64_t n_, int64_t e) const { return mask_per_position ? n_ * s + e % s : n_ * per_sample + e; }
};

DiceLayout layout(std::span<const TensorView> in) {
  const Shape& p = in[0].shape;
  DiceLayout l{p[0], p.size() / p[0], p.size() / (p[0] * p[1]), p[1], false};
  if (optional_input(in, 2, "soft_dice", "mask")) l.mask_per_position = in[2].shape[1] == 1 && p[1] != 1;
  return l;
}

/// Per sample: {sum p t m, sum p m + sum t m}, each summed in chunks of kElementwiseGrain whose
/// partials are added in chunk order (independent of the thread count).
std::vector<std::array<double, 2>> sample_sums(const DiceLayout& l, const float* p, const float* t, const float* m) {
  const int64_t chunks = l.chunks();
  std::vector<std::array<double, 2>> part(static_cast<size_t>(l.n * chunks));
  auto body = [&](int64_t task, int) {
    const int64_t n = task / chunks, b = (task % chunks) * kElementwiseGrain;
    const int64_t e = std::min(l.per_sample, b + kElementwiseGrain);
    const float *pn = p + n * l.per_sample, *tn = t + n * l.per_sample;
    double inter = 0, total = 0;
    for (int64_t i = b; i < e; ++i) {
      const double w = m ? m[l.mask_index(n, i)] : 1.0;
      inter += w * pn[i] * tn[i];
      total += w * (static_cast<double>(pn[i]) + tn[i]);
    }
    part[static_cast<size_t>(task)] = {inter, total};
  };
  if (part.size() == 1) body(0, 0);
  else if (!part.empty()) ThreadPool::global().run(static_cast<int64_t>(part.size()), body);
  std::vector<std::array<double, 2>> sums(static_cast<size_t>(l.n), {0.0, 0.0});
  for (int64_t n = 0; n < l.n; ++n)
    for (int64_t c = 0; c < chunks; ++c)
      for (int k = 0; k < 2; ++k) sums[static_cast<size_t>(n)][static_cast<size_t>(k)] += part[static_cast<size_t>(n * chunks + c)][static_cast<size_t>(k)];
  return sums;
}

const float* mask_of(std::span<const TensorView> in) { return optional_input(in, 2, "soft_dice", "mask"); }

}  // namespace

void soft_dice_forward(const SoftDiceParams& prm, const OpArgs& a) {
  const DiceLayout l = layout(a.in);
  const auto sums = sample_sums(l, a.in[0].data, a.in[1].data, mask_of(a.in));
  double dice = 0;
  for (const auto& s : sums) dice += (2 * s[0] + prm.smooth) / (s[1] + prm.smooth);
  a.out[0].data[0] = static_cast<float>(1.0 - dice / static_cast<double>(l.n));
}

void soft_dice_backward(const SoftDiceParams& prm, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  const DiceLayout l = layout(a.in);
  const float *t = a.in[1].data, *m = mask_of(a.in);
  const auto sums = sample_sums(l, a.in[0].data, t, m);
  const double g = a.grad_out[0].data[0];
  float* dp = a.grad_in[0].data;
  std::vector<std::array<double, 2>> coef(static_cast<size_t>(l.n));  // dp = m (c0 t + c1)
  for (int64_t n = 0; n < l.n; ++n) {
    const auto& s = sums[static_cast<size_t>(n)];
    const double d = s[1] + prm.smooth, scale = -g / static_cast<double>(l.n) / (d * d);
    coef[static_cast<size_t>(n)] = {scale * 2 * d, -scale * (2 * s[0] + prm.smooth)};
  }
  parallel_for(l.n * l.per_sample, kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / l.per_sample;
      const auto& c = coef[static_cast<size_t>(n)];
      const double w = m ? m[l.mask_index(n, i - n * l.per_sample)] : 1.0;
      dp[i] = static_cast<float>(w * (c[0] * t[i] + c[1]));
    }
  });
}

}  // namespace deepsc::cpu
