#include <algorithm>
#include <array>

#include "cpu/kernels.h"
#include "cpu/optional_input.h"
#include "cpu/ordered_sum.h"

namespace deepsc::cpu {

namespace {

/// {sum w (a - b)^2, sum w} in chunks of kElementwiseGrain added in order.
std::array<double, 2> sums(const float* a, const float* b, const float* w, int64_t n) {
  if (!w) {
    const auto s = ordered_sum<1>((n + kElementwiseGrain - 1) / kElementwiseGrain, [&](int64_t t) {
      double acc = 0;
      for (int64_t i = t * kElementwiseGrain, e = std::min(n, i + kElementwiseGrain); i < e; ++i) {
        const double d = static_cast<double>(a[i]) - b[i];
        acc += d * d;
      }
      return std::array<double, 1>{acc};
    });
    return {s[0], static_cast<double>(n)};
  }
  return ordered_sum<2>((n + kElementwiseGrain - 1) / kElementwiseGrain, [&](int64_t t) {
    double acc = 0, den = 0;
    for (int64_t i = t * kElementwiseGrain, e = std::min(n, i + kElementwiseGrain); i < e; ++i) {
      const double d = static_cast<double>(a[i]) - b[i];
      acc += w[i] * d * d;
      den += w[i];
    }
    return std::array<double, 2>{acc, den};
  });
}

const float* weight_of(std::span<const TensorView> in) { return optional_input(in, 2, "mse", "weight"); }

}  // namespace

void mse_forward(const MseParams&, const OpArgs& a) {
  const auto s = sums(a.in[0].data, a.in[1].data, weight_of(a.in), a.in[0].numel());
  a.out[0].data[0] = s[1] != 0 ? static_cast<float>(s[0] / s[1]) : 0.f;
}

void mse_backward(const MseParams&, const OpGradArgs& a) {
  const TensorView &da = a.grad_in[0], &db = a.grad_in[1];
  if (!da.present() && !db.present()) return;
  const float *x = a.in[0].data, *y = a.in[1].data, *w = weight_of(a.in);
  const int64_t n = a.in[0].numel();
  double den = static_cast<double>(n);
  if (w) {
    den = ordered_sum<1>((n + kElementwiseGrain - 1) / kElementwiseGrain, [&](int64_t t) {
      double acc = 0;
      for (int64_t i = t * kElementwiseGrain, e = std::min(n, i + kElementwiseGrain); i < e; ++i) acc += w[i];
      return std::array<double, 1>{acc};
    })[0];
  }
  if (den == 0) {  // the loss is the constant 0: exact (+0) zeros
    for (const TensorView* d : {&da, &db})
      if (d->present()) std::fill_n(d->data, n, 0.f);
    return;
  }
  const float k = static_cast<float>(2.0 * a.grad_out[0].data[0] / den);
  parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float v = k * (w ? w[i] : 1.f) * (x[i] - y[i]);
      if (da.present()) da.data[i] = v;
      if (db.present()) db.data[i] = -v;
    }
  });
}

}  // namespace deepsc::cpu
