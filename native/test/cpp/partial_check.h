#pragma once
// check_op for ops with non-differentiable inputs (targets, masks, loss weights): the forward
// against a double reference, and the gradient of each input with need[i] by central
// differences. harness.h's check_op probes every present input, which for a class-index
// target means differentiating through a floor.
#include "harness.h"

namespace deepsc::test {

inline void check_op_partial(const std::string& name, const Attrs& attrs, std::vector<HostTensor> in, const Reference& ref,
                             const std::vector<bool>& need, double tol = 1e-4, double grad_tol = 2e-3) {
  auto out = run_forward_op(name, attrs, in);
  std::vector<std::vector<double>> in64;
  for (auto& t : in) in64.emplace_back(t.data.begin(), t.data.end());
  auto want = ref(in64);
  DEEPSC_EXPECT(want.size() == out.size(), name + ": output count");
  for (size_t k = 0; k < out.size(); ++k)
    for (size_t i = 0; i < out[k].data.size(); ++i)
      DEEPSC_EXPECT(std::fabs(out[k].data[i] - want[k][i]) <= tol * (1 + std::fabs(want[k][i])),
                    name + ": output " + std::to_string(k) + "[" + std::to_string(i) + "] = " + std::to_string(out[k].data[i]) +
                        ", expected " + std::to_string(want[k][i]));
  std::vector<HostTensor> gout;
  for (size_t k = 0; k < out.size(); ++k) gout.push_back(HostTensor::random(out[k].shape, 100 + uint32_t(k)));
  std::vector<bool> want_grad;
  for (size_t i = 0; i < in.size(); ++i) want_grad.push_back(in[i].present && i < need.size() && need[i]);
  auto grads = run_backward_op(name, attrs, in, out, gout, want_grad);
  const double eps = 1e-6;
  auto loss = [&](const std::vector<std::vector<double>>& x) {
    auto o = ref(x);
    double s = 0;
    for (size_t k = 0; k < o.size(); ++k)
      for (size_t i = 0; i < o[k].size(); ++i) s += gout[k].data[i] * o[k][i];
    return s;
  };
  for (size_t j = 0; j < in.size(); ++j) {
    if (!want_grad[j]) continue;
    const size_t n = in64[j].size(), step = n > 200 ? n / 200 : 1;
    for (size_t i = 0; i < n; i += step) {
      const double keep = in64[j][i];
      in64[j][i] = keep + eps;
      const double up = loss(in64);
      in64[j][i] = keep - eps;
      const double down = loss(in64);
      in64[j][i] = keep;
      const double num = (up - down) / (2 * eps), got = grads[j].data[i];
      DEEPSC_EXPECT(std::fabs(got - num) <= grad_tol * (1 + std::fabs(num)),
                    name + ": grad " + std::to_string(j) + "[" + std::to_string(i) + "] = " + std::to_string(got) +
                        ", finite differences " + std::to_string(num));
    }
  }
}

}  // namespace deepsc::test
