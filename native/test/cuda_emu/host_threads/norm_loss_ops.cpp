// Runs the CUDA kernels of the norms, softmaxes, pooling, linear and the losses on CPU
// threads (shim/cuda_runtime.h: every block as blockDim threads with real barriers and warp
// exchanges) and compares them with the CPU kernels, forward and backward, plus the inputs an
// op updates in place (batch_norm's running statistics) and the errors the class losses
// raise. Same tolerances as the case tables in native/test/cuda/cases. Built and run by
// run.sh; needs no GPU.
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cuda/ops.h"
#include "deepsc/registry.h"

using namespace deepsc;

namespace {

std::mt19937 rng(1234);

struct In {
  Shape shape;
  std::vector<float> data;
  bool present = true;
};

In rand_in(std::vector<int64_t> dims, float lo = -1, float hi = 1) {
  In x{Shape(dims), {}, true};
  std::uniform_real_distribution<float> u(lo, hi);
  x.data.resize(static_cast<size_t>(x.shape.size()));
  for (auto& v : x.data) v = u(rng);
  return x;
}

In classes_in(std::vector<int64_t> dims, int c) {
  In x = rand_in(std::move(dims), 0, 1);
  for (auto& v : x.data) v = std::min<float>(static_cast<float>(c - 1), std::floor(v * static_cast<float>(c)));
  return x;
}

In mask_in(std::vector<int64_t> dims) {
  In x = rand_in(std::move(dims), 0, 1);
  for (auto& v : x.data) v = v < 1.f / 3 ? 0.f : 2 * v;
  return x;
}

In zeros_in(std::vector<int64_t> dims) {
  In x = rand_in(std::move(dims));
  for (auto& v : x.data) v = 0;
  return x;
}

In absent() { return In{Shape(), {}, false}; }

In values_in(std::vector<int64_t> dims, std::vector<float> v) { return In{Shape(std::move(dims)), std::move(v), true}; }

struct Case {
  std::string op, name;
  Attrs attrs;
  std::vector<In> in;
  std::vector<bool> need;
  double rtol, atol;
};

void emu_forward(const OpInstance& op, const OpArgs& a) {
  switch (op.kind) {
#define X(name, Type) \
  case OpKind::Type: cuda::name##_forward(std::get<Type##Params>(op.params), a); return;
    X(group_norm, GroupNorm)
    X(instance_norm, InstanceNorm)
    X(batch_norm, BatchNorm)
    X(softmax, Softmax)
    X(log_softmax, LogSoftmax)
    X(global_avg_pool, GlobalAvgPool)
    X(linear, Linear)
    X(cross_entropy, CrossEntropy)
    X(focal, Focal)
    X(soft_dice, SoftDice)
    X(mse, Mse)
#undef X
    default: break;
  }
  std::abort();
}

void emu_backward(const OpInstance& op, const OpGradArgs& a) {
  switch (op.kind) {
#define Y(name, Type) \
  case OpKind::Type: cuda::name##_backward(std::get<Type##Params>(op.params), a); return;
    Y(group_norm, GroupNorm)
    Y(instance_norm, InstanceNorm)
    Y(batch_norm, BatchNorm)
    Y(softmax, Softmax)
    Y(log_softmax, LogSoftmax)
    Y(global_avg_pool, GlobalAvgPool)
    Y(linear, Linear)
    Y(cross_entropy, CrossEntropy)
    Y(focal, Focal)
    Y(soft_dice, SoftDice)
    Y(mse, Mse)
#undef Y
    default: break;
  }
  std::abort();
}

double worst(const std::vector<float>& got, const std::vector<float>& want, double rtol, double atol, size_t* at) {
  double w = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = std::fabs(double(got[i]) - want[i]) / (atol + rtol * std::fabs(double(want[i])));
    const double r = std::isnan(got[i]) != std::isnan(want[i]) || std::isnan(d) ? INFINITY : d;
    if (r > w) w = r, *at = i;
  }
  return w;
}

struct Views {
  std::vector<In> store;
  std::vector<TensorView> views;
  explicit Views(const std::vector<In>& in) : store(in) {
    for (auto& x : store)
      views.push_back(x.present ? TensorView{x.data.data(), x.shape} : TensorView{nullptr, Shape()});
  }
};

std::string run_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

int check(Case& c) {
  int fails = 0;
  auto report = [&](const std::string& what, const std::vector<float>& got, const std::vector<float>& want) {
    size_t at = 0;
    const double w = got.size() == want.size() ? worst(got, want, c.rtol, c.atol, &at) : INFINITY;
    const bool ok = w <= 1;
    if (!ok) {
      ++fails;
      std::printf("  FAIL %s: %.3gx tolerance at %zu: emu %.9g cpu %.9g\n", what.c_str(), w, at,
                  at < got.size() ? got[at] : NAN, at < want.size() ? want[at] : NAN);
    }
  };
  c.attrs.set_op(c.op);
  const OpInstance op = make_op(c.op, c.attrs);
  std::vector<Shape> shapes;
  std::vector<bool> present;
  for (auto& x : c.in) shapes.push_back(x.shape), present.push_back(x.present);
  const auto out_shapes = infer_shapes(op, shapes, present);
  // forward
  Views cpu_in(c.in), emu_in(c.in);
  std::vector<std::vector<float>> cpu_out, emu_out;
  std::vector<TensorView> cpu_ov, emu_ov;
  for (auto& s : out_shapes) {
    cpu_out.emplace_back(static_cast<size_t>(std::max<int64_t>(1, s.size())));
    emu_out.emplace_back(static_cast<size_t>(std::max<int64_t>(1, s.size())), NAN);
  }
  for (size_t i = 0; i < out_shapes.size(); ++i)
    cpu_ov.push_back({cpu_out[i].data(), out_shapes[i]}), emu_ov.push_back({emu_out[i].data(), out_shapes[i]});
  std::vector<float> ws(static_cast<size_t>(std::max<int64_t>(1, workspace_floats(op, shapes, Pass::forward))));
  const Workspace cws{ws.data(), static_cast<int64_t>(ws.size())};
  const std::string cpu_err = run_error([&] { run_forward(Backend::cpu, op, OpArgs{cpu_in.views, cpu_ov, cws}); });
  const std::string emu_err = run_error([&] { emu_forward(op, OpArgs{emu_in.views, emu_ov, Workspace{}}); });
  if (cpu_err != emu_err) {
    ++fails;
    std::printf("  FAIL forward error: emu '%s' cpu '%s'\n", emu_err.c_str(), cpu_err.c_str());
  }
  if (!cpu_err.empty()) {
    // Backward must raise the same error too.
    std::vector<float> g(1, 1.f), o(1, 0.f);
    std::vector<TensorView> ov{{o.data(), out_shapes[0]}}, gv{{g.data(), out_shapes[0]}};
    std::vector<std::vector<float>> gi;
    std::vector<TensorView> giv;
    for (size_t i = 0; i < c.in.size(); ++i) {
      gi.emplace_back(static_cast<size_t>(std::max<int64_t>(1, c.in[i].shape.size())));
      giv.push_back(c.need[i] ? TensorView{gi.back().data(), c.in[i].shape} : TensorView{});
    }
    std::vector<float> wsb(static_cast<size_t>(std::max<int64_t>(1, workspace_floats(op, shapes, Pass::backward))));
    const Workspace cwb{wsb.data(), static_cast<int64_t>(wsb.size())};
    const std::string cb =
        run_error([&] { run_backward(Backend::cpu, op, OpGradArgs{cpu_in.views, ov, gv, giv, cwb}); });
    const std::string eb = run_error([&] { emu_backward(op, OpGradArgs{emu_in.views, ov, gv, giv, Workspace{}}); });
    if (cb != eb) {
      ++fails;
      std::printf("  FAIL backward error: emu '%s' cpu '%s'\n", eb.c_str(), cb.c_str());
    }
    std::printf("%s %s / %s (error: %s)\n", fails ? "FAIL" : "PASS", c.op.c_str(), c.name.c_str(), cpu_err.c_str());
    return fails;
  }
  for (size_t i = 0; i < out_shapes.size(); ++i) {
    cpu_out[i].resize(static_cast<size_t>(out_shapes[i].size()));
    emu_out[i].resize(static_cast<size_t>(out_shapes[i].size()));
    report("output " + std::to_string(i), emu_out[i], cpu_out[i]);
  }
  for (size_t i = 0; i < c.in.size(); ++i)  // inputs updated in place (running statistics)
    if (c.in[i].present)
      report("input " + std::to_string(i) + " after forward", emu_in.store[i].data, cpu_in.store[i].data);
  // backward, from the original inputs and the CPU's outputs
  Views cb_in(c.in), eb_in(c.in);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<std::vector<float>> gout;
  std::vector<TensorView> gv;
  for (size_t i = 0; i < out_shapes.size(); ++i) {
    gout.emplace_back(static_cast<size_t>(std::max<int64_t>(1, out_shapes[i].size())));
    for (auto& v : gout.back()) v = u(rng);
    gv.push_back({gout.back().data(), out_shapes[i]});
  }
  std::vector<std::vector<float>> cg, eg;
  std::vector<TensorView> cgv, egv;
  for (size_t i = 0; i < c.in.size(); ++i) {
    const size_t n = static_cast<size_t>(std::max<int64_t>(1, c.in[i].shape.size()));
    cg.emplace_back(n, 0.f);
    eg.emplace_back(n, NAN);
  }
  for (size_t i = 0; i < c.in.size(); ++i) {
    const bool want = c.need[i] && c.in[i].present;
    cgv.push_back(want ? TensorView{cg[i].data(), c.in[i].shape} : TensorView{});
    egv.push_back(want ? TensorView{eg[i].data(), c.in[i].shape} : TensorView{});
  }
  std::vector<float> wsb(static_cast<size_t>(std::max<int64_t>(1, workspace_floats(op, shapes, Pass::backward))));
  run_backward(Backend::cpu, op, OpGradArgs{cb_in.views, cpu_ov, gv, cgv, Workspace{wsb.data(), (int64_t)wsb.size()}});
  emu_backward(op, OpGradArgs{eb_in.views, cpu_ov, gv, egv, Workspace{}});
  for (size_t i = 0; i < c.in.size(); ++i) {
    if (!(c.need[i] && c.in[i].present)) continue;
    cg[i].resize(static_cast<size_t>(c.in[i].shape.size()));
    eg[i].resize(static_cast<size_t>(c.in[i].shape.size()));
    report("grad " + std::to_string(i), eg[i], cg[i]);
  }
  std::printf("%s %s / %s\n", fails ? "FAIL" : "PASS", c.op.c_str(), c.name.c_str());
  return fails;
}

Attrs attrs(std::initializer_list<std::pair<const char*, AttrValue>> kv) {
  Attrs a;
  for (auto& [k, v] : kv) a.set(k, v);
  return a;
}

using V = std::vector<double>;
using S = std::string;

}  // namespace

int main() {
  const std::vector<bool> all{true, true, true, false, false}, first{true, false, false};
  std::vector<Case> cases;
  auto norm = [&](const char* op, const char* name, Attrs a, std::vector<int64_t> x, bool gamma, bool beta) {
    const int64_t c = x[1];
    cases.push_back({op, name, a,
        {rand_in(x), gamma ? rand_in({c}, 0.5, 1.5) : absent(), beta ? rand_in({c}) : absent()},
                     {true, true, true}, 1e-4, 1e-4});
  };
  norm("group_norm", "[2,4,3,5,7] 2 groups", attrs({{"groups", 2.0}}), {2, 4, 3, 5, 7}, true, true);
  norm("group_norm", "[2,6,1,1,9] 3 groups gamma only", attrs({{"groups", 3.0}}), {2, 6, 1, 1, 9}, true, false);
  norm("group_norm", "[3,2,2,3] beta only", attrs({{"groups", 2.0}}), {3, 2, 2, 3}, false, true);
  norm("group_norm", "[1,2,20,30,31] 1 group, 2 chunks", attrs({{"groups", 1.0}}), {1, 2, 20, 30, 31}, true, true);
  norm("instance_norm", "[2,3,4,5,6]", attrs({}), {2, 3, 4, 5, 6}, true, true);
  norm("instance_norm", "[3,5,7] no affine eps 1e-3", attrs({{"eps", 1e-3}}), {3, 5, 7}, false, false);
  auto bn = [&](const char* name, Attrs a, std::vector<int64_t> x, bool affine, bool running, std::vector<bool> need) {
    const int64_t c = x[1];
    cases.push_back({"batch_norm", name, a,
                     {rand_in(x), affine ? rand_in({c}, 0.5, 1.5) : absent(), affine ? rand_in({c}) : absent(),
                      running ? rand_in({c}) : absent(), running ? rand_in({c}, 0.5, 2) : absent()},
                     need, 1e-4, 1e-4});
  };
  bn("train [2,3,3,5,7] running momentum 0.25", attrs({{"mode", S("train")}, {"momentum", 0.25}}), {2, 3, 3, 5, 7},
     true, true, all);
  bn("train rank 2 [5,3]", attrs({{"mode", S("train")}}), {5, 3}, true, false, all);
  bn("train [4,2,1,1,1] running", attrs({{"mode", S("train")}}), {4, 2, 1, 1, 1}, true, true, all);
  bn("train [1,2,20,30,31] 2 chunks running", attrs({{"mode", S("train")}}), {1, 2, 20, 30, 31}, true, true, all);
  bn("eval [2,3,3,5,7]", attrs({{"mode", S("eval")}}), {2, 3, 3, 5, 7}, true, true, all);
  bn("eval dx only", attrs({{"mode", S("eval")}}), {2, 4, 3, 3, 3}, true, true, {true, false, false, false, false});
  bn("train dgamma dbeta only", attrs({{"mode", S("train")}}), {2, 4, 3, 3, 3}, true, false,
     {false, true, true, false, false});
  for (const char* op : {"softmax", "log_softmax"}) {
    cases.push_back({op, "[2,3,4,5,6]", attrs({}), {rand_in({2, 3, 4, 5, 6})}, {true}, 1e-5, 1e-6});
    cases.push_back({op, "[7,10]", attrs({}), {rand_in({7, 10}, -4, 4)}, {true}, 1e-5, 1e-6});
    cases.push_back({op, "[3,1,5]", attrs({}), {rand_in({3, 1, 5})}, {true}, 1e-5, 1e-6});
    cases.push_back({op, "[2,5,33] large", attrs({}), {rand_in({2, 5, 33}, -60, 60)}, {true}, 1e-5, 1e-6});
  }
  cases.push_back({"global_avg_pool", "[2,3,4,5,6]", attrs({}), {rand_in({2, 3, 4, 5, 6})}, {true}, 1e-5, 1e-6});
  cases.push_back({"global_avg_pool", "[1,2,20,30,31]", attrs({}), {rand_in({1, 2, 20, 30, 31})}, {true}, 1e-5, 1e-6});
  cases.push_back({"linear", "[4,448]x[3,448]+b", attrs({}),
      {rand_in({4, 448}), rand_in({3, 448}), rand_in({3})}, {true, true, true}, 1e-5, 1e-5});
  cases.push_back({"linear", "[5,37]x[33,37]", attrs({}),
      {rand_in({5, 37}), rand_in({33, 37}), absent()}, {true, true, true}, 1e-5, 1e-5});
  cases.push_back({"linear", "[0,5]x[3,5]+b", attrs({}),
      {rand_in({0, 5}), rand_in({3, 5}), rand_in({3})}, {true, true, true}, 1e-5, 1e-5});
  for (const char* op : {"cross_entropy", "focal"}) {
    const double tol = 1e-5;
    cases.push_back({op, "[2,3,4,5,6] weights", attrs({{"class_weights", V{0.5, 1, 1}}}),
                     {rand_in({2, 3, 4, 5, 6}, -3, 3), classes_in({2, 4, 5, 6}, 3), absent()}, first, tol, 1e-6});
    cases.push_back({op, "[2,2,3,5,7] masked [N,1,...]", attrs({{"class_weights", V{0.1, 1}}}),
                     {rand_in({2, 2, 3, 5, 7}, -3, 3), classes_in({2, 1, 3, 5, 7}, 2), mask_in({2, 1, 3, 5, 7})},
                         first, tol, 1e-6});
    cases.push_back({op, "[7,10] masked", S(op) == "focal" ? attrs({{"gamma", 0.5}}) : attrs({}),
                     {rand_in({7, 10}, -4, 4), classes_in({7}, 10), mask_in({7})}, first, tol, 1e-6});
    cases.push_back({op, "all masked", attrs({}),
        {rand_in({2, 3, 4}), classes_in({2, 4}, 3), zeros_in({2, 4})}, first, tol, 1e-6});
    cases.push_back({op, "confident", attrs({}),
        {rand_in({2, 4, 37}, -30, 30), classes_in({2, 37}, 4), absent()}, first, tol, 1e-6});
    cases.push_back({op, "[1,2,300,250] grid-stride wrap", attrs({}),
        {rand_in({1, 2, 300, 250}, -3, 3), classes_in({1, 300, 250}, 2), mask_in({1, 300, 250})}, first, tol, 1e-6});
    cases.push_back({op, "bad target", attrs({}),
        {rand_in({2, 3, 4}), values_in({2, 4}, {0, 1, 2, 0, 1, 3, 0, 2}), absent()}, first, tol, 1e-6});
    cases.push_back({op, "negative mask first", attrs({}),
        {rand_in({2, 3, 4}), values_in({2, 4}, {0, 1, 2, 0, -1, 2, 0, 2}),
         values_in({2, 4}, {1, 1, -0.5, 1, 1, 1, 1, 1})},
        first, tol, 1e-6});
    cases.push_back({op, "bad target masked out", attrs({}),
        {rand_in({2, 3, 4}), values_in({2, 4}, {0, 7, 2, 0, 1, 2, 0, 2}), values_in({2, 4}, {1, 0, 1, 1, 1, 1, 1, 1})},
        first, tol, 1e-6});
  }
  cases.push_back({"soft_dice", "[2,3,4,5,6]", attrs({}),
      {rand_in({2, 3, 4, 5, 6}, 0, 1), rand_in({2, 3, 4, 5, 6}, 0, 1), absent()}, first, 1e-5, 1e-6});
  cases.push_back({"soft_dice", "[2,2,3,5,7] per-position mask", attrs({{"smooth", 1.0}}),
      {rand_in({2, 2, 3, 5, 7}, 0, 1), rand_in({2, 2, 3, 5, 7}, 0, 1), mask_in({2, 1, 3, 5, 7})}, first, 1e-5, 1e-6});
  cases.push_back({"soft_dice", "[3,2,9] full mask", attrs({}),
      {rand_in({3, 2, 9}, 0, 1), classes_in({3, 2, 9}, 2), mask_in({3, 2, 9})}, first, 1e-5, 1e-6});
  cases.push_back({"soft_dice", "[2,2,30,30,10] chunks", attrs({}),
      {rand_in({2, 2, 30, 30, 10}, 0, 1), rand_in({2, 2, 30, 30, 10}, 0, 1), mask_in({2, 1, 30, 30, 10})},
      first, 1e-5, 1e-6});
  cases.push_back({"mse", "[2,3,4,5,6]", attrs({}),
      {rand_in({2, 3, 4, 5, 6}), rand_in({2, 3, 4, 5, 6}), absent()}, {true, true, false}, 1e-5, 1e-6});
  cases.push_back({"mse", "[3,7,11] weighted", attrs({}),
      {rand_in({3, 7, 11}), rand_in({3, 7, 11}), mask_in({3, 7, 11})}, {true, true, false}, 1e-5, 1e-6});
  cases.push_back({"mse", "zero weights", attrs({}),
      {rand_in({4, 5}), rand_in({4, 5}), zeros_in({4, 5})}, {true, true, false}, 1e-5, 1e-6});
  cases.push_back({"mse", "[70000] weighted, grid-stride wrap", attrs({}),
      {rand_in({70000}), rand_in({70000}), mask_in({70000})}, {true, true, false}, 1e-5, 1e-6});
  cases.push_back({"mse", "[0,4]", attrs({}),
      {rand_in({0, 4}), rand_in({0, 4}), absent()}, {true, true, false}, 1e-5, 1e-6});
  int fails = 0;
  for (auto& c : cases) {
    try {
      fails += check(c) != 0;
    } catch (const std::exception& e) {
      ++fails;
      std::printf("FAIL %s / %s: threw %s\n", c.op.c_str(), c.name.c_str(), e.what());
    }
  }
  std::printf("%zu cases, %d failed\n", cases.size(), fails);
  return fails == 0 ? 0 : 1;
}
