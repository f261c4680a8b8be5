#pragma once
// A tiny test harness for the standalone kernel tests, built with ASan + UBSan in CI
// (scripts/native-tests.mjs). Tests register with DEEPSC_TEST; helpers run ops through the
// registry exactly as the binding does, and check gradients by central differences in double.
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "deepsc/registry.h"

namespace deepsc::test {

struct Registry {
  std::vector<std::pair<std::string, std::function<void()>>> tests;
  static Registry& get() {
    static Registry r;
    return r;
  }
};

struct Registrar {
  Registrar(const char* name, std::function<void()> fn) { Registry::get().tests.emplace_back(name, std::move(fn)); }
};

struct Failure {
  std::string message;
};

#define DEEPSC_TEST(name)                                                       \
  static void deepsc_test_##name();                                             \
  static ::deepsc::test::Registrar deepsc_reg_##name(#name, deepsc_test_##name); \
  static void deepsc_test_##name()

#define DEEPSC_EXPECT(cond, msg)                                                                          \
  do {                                                                                                    \
    if (!(cond))                                                                                          \
      throw ::deepsc::test::Failure{std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " + (msg)}; \
  } while (0)

/// An owned float tensor (or an absent one).
struct HostTensor {
  Shape shape;
  std::vector<float> data;
  bool present = true;

  static HostTensor absent() { return {Shape{}, {}, false}; }
  static HostTensor random(Shape s, uint32_t seed, float lo = -1.f, float hi = 1.f) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    HostTensor t{s, std::vector<float>(static_cast<size_t>(s.size())), true};
    for (auto& v : t.data) v = d(gen);
    return t;
  }
  TensorView view() { return present ? TensorView{data.data(), shape} : TensorView{}; }
};

/// Runs `op` forward through the registry (validation, shape inference, workspace).
inline std::vector<HostTensor> run_forward_op(const std::string& name, const Attrs& attrs, std::vector<HostTensor>& in) {
  OpInstance op = make_op(name, attrs);
  std::vector<Shape> shapes;
  std::vector<bool> present;
  std::vector<TensorView> views;
  for (auto& t : in) {
    shapes.push_back(t.shape);
    present.push_back(t.present);
    views.push_back(t.view());
  }
  auto out_shapes = infer_shapes(op, shapes, present);
  std::vector<HostTensor> out;
  for (auto& s : out_shapes) out.push_back({s, std::vector<float>(static_cast<size_t>(s.size())), true});
  std::vector<TensorView> out_views;
  for (auto& t : out) out_views.push_back(t.view());
  int64_t ws = workspace_floats(op, shapes, Pass::forward);
  std::vector<float> scratch(static_cast<size_t>(ws));
  run_forward(Backend::cpu, op, OpArgs{views, out_views, Workspace{scratch.data(), ws}});
  return out;
}

/// Runs `op` backward; returns dL/d(in[i]) for each need[i] (absent otherwise).
inline std::vector<HostTensor> run_backward_op(const std::string& name, const Attrs& attrs, std::vector<HostTensor>& in,
                                               std::vector<HostTensor>& out, std::vector<HostTensor>& gout,
                                               const std::vector<bool>& need) {
  OpInstance op = make_op(name, attrs);
  std::vector<Shape> shapes;
  std::vector<TensorView> iv, ov, gv, dv;
  for (auto& t : in) {
    shapes.push_back(t.shape);
    iv.push_back(t.view());
  }
  for (auto& t : out) ov.push_back(t.view());
  for (auto& t : gout) gv.push_back(t.view());
  std::vector<HostTensor> grads;
  for (size_t i = 0; i < in.size(); ++i)
    grads.push_back(need[i] && in[i].present
                        ? HostTensor{in[i].shape, std::vector<float>(in[i].data.size()), true}
                        : HostTensor::absent());
  for (auto& g : grads) dv.push_back(g.view());
  int64_t ws = workspace_floats(op, shapes, Pass::backward);
  std::vector<float> scratch(static_cast<size_t>(ws));
  run_backward(Backend::cpu, op, OpGradArgs{iv, ov, gv, dv, Workspace{scratch.data(), ws}});
  return grads;
}

/// Forward vs a double reference, and backward vs central differences of that reference.
/// `reference` maps inputs (as doubles) to outputs.
using Reference = std::function<std::vector<std::vector<double>>(const std::vector<std::vector<double>>&)>;

inline void check_op(const std::string& name, const Attrs& attrs, std::vector<HostTensor> in, const Reference& ref,
                     double tol = 1e-4, double grad_tol = 2e-3) {
  auto out = run_forward_op(name, attrs, in);
  std::vector<std::vector<double>> in64;
  for (auto& t : in) in64.emplace_back(t.data.begin(), t.data.end());
  auto want = ref(in64);
  DEEPSC_EXPECT(want.size() == out.size(), name + ": output count");
  for (size_t k = 0; k < out.size(); ++k)
    for (size_t i = 0; i < out[k].data.size(); ++i)
      DEEPSC_EXPECT(std::fabs(out[k].data[i] - want[k][i]) <= tol * (1 + std::fabs(want[k][i])),
                    name + ": output " + std::to_string(k) + "[" + std::to_string(i) + "] = " +
                        std::to_string(out[k].data[i]) + ", expected " + std::to_string(want[k][i]));
  std::vector<HostTensor> gout;
  for (size_t k = 0; k < out.size(); ++k) gout.push_back(HostTensor::random(out[k].shape, 100 + uint32_t(k)));
  std::vector<bool> need;
  for (auto& t : in) need.push_back(t.present);
  auto grads = run_backward_op(name, attrs, in, out, gout, need);
  const double eps = 1e-6;
  auto loss = [&](const std::vector<std::vector<double>>& x) {
    auto o = ref(x);
    double s = 0;
    for (size_t k = 0; k < o.size(); ++k)
      for (size_t i = 0; i < o[k].size(); ++i) s += gout[k].data[i] * o[k][i];
    return s;
  };
  for (size_t j = 0; j < in.size(); ++j) {
    if (!in[j].present) continue;
    const size_t n = in64[j].size();
    const size_t step = n > 200 ? n / 200 : 1;
    for (size_t i = 0; i < n; i += step) {
      double keep = in64[j][i];
      in64[j][i] = keep + eps;
      double up = loss(in64);
      in64[j][i] = keep - eps;
      double down = loss(in64);
      in64[j][i] = keep;
      double num = (up - down) / (2 * eps);
      double got = grads[j].data[i];
      DEEPSC_EXPECT(std::fabs(got - num) <= grad_tol * (1 + std::fabs(num)),
                    name + ": grad " + std::to_string(j) + "[" + std::to_string(i) + "] = " + std::to_string(got) +
                        ", finite differences " + std::to_string(num));
    }
  }
}

/// Expects `fn` to throw deepsc::Error of `kind`.
inline void expect_error(const std::function<void()>& fn, ErrorKind kind, const std::string& what) {
  try {
    fn();
  } catch (const Error& e) {
    DEEPSC_EXPECT(e.kind() == kind, what + ": wrong error kind: " + e.what());
    return;
  }
  throw Failure{what + ": expected an error"};
}

}  // namespace deepsc::test
