#pragma once
// Double references of the class-index losses for test_cross_entropy.cpp and test_focal.cpp.
#include "partial_check.h"

namespace deepsc::test {

// Weighted, masked cross-entropy (gamma 0) or focal loss of logits [N, C, S] in double.
inline std::vector<std::vector<double>> class_loss_ref(const std::vector<std::vector<double>>& in, int64_t n, int64_t c, int64_t s,
                                                const std::vector<double>& w, double gamma) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < s; ++k) {
      const double m = in.size() > 2 && !in[2].empty() ? in[2][size_t(i * s + k)] : 1;
      if (m == 0) continue;
      const int64_t y = int64_t(in[1][size_t(i * s + k)]);
      double mx = -INFINITY, sum = 0;
      for (int64_t j = 0; j < c; ++j) mx = std::max(mx, in[0][size_t((i * c + j) * s + k)]);
      for (int64_t j = 0; j < c; ++j) sum += std::exp(in[0][size_t((i * c + j) * s + k)] - mx);
      const double lp = in[0][size_t((i * c + y) * s + k)] - mx - std::log(sum);
      num += w[size_t(y)] * m * -std::pow(1 - std::exp(lp), gamma) * lp;
      den += w[size_t(y)] * m;
    }
  return {{den > 0 ? num / den : 0}};
}

inline HostTensor classes(Shape s, int64_t c, uint32_t seed) {
  HostTensor t = HostTensor::random(s, seed, 0.f, float(c));
  for (float& v : t.data) v = std::min(float(c - 1), std::floor(v));
  return t;
}

}  // namespace deepsc::test
