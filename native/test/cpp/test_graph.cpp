// The graph executor under the sanitizers: random DAGs (values with several consumers, nodes
// that are pruned, outputs that do not reach a seed; relus the planner may run in place, adds
// and relus whose gradients it writes over their output gradients, a recomputed segment) checked for the planner's invariant (no two buffers alive at the same
// step share bytes, except a buffer planned in place over another) and against op-by-op
// evaluation.
#include <cstring>
#include <map>
#include <random>

#include "graph/executor.h"
#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;
using namespace deepsc::graph;

namespace {

struct RandomGraph {
  Graph g;
  std::vector<Attrs> attrs;   // per node
  std::vector<std::vector<int>> node_inputs;  // per node: its input values (two for an add)
};

RandomGraph random_graph(uint32_t seed, int nodes, const Shape& shape) {
  std::mt19937 gen(seed);
  RandomGraph r;
  r.g.add_leaf("x", ValueKind::input, shape);
  for (int n = 0; n < nodes; ++n) {
    auto pick = [&] { return std::uniform_int_distribution<int>(0, static_cast<int>(r.g.values().size()) - 1)(gen); };
    // Every third node a relu (its backward reads its output, so it may run in place), every
    // fifth an add of two values (its gradient passes through to both); the rest leaky_relus.
    // The first half of the nodes form the recomputable segment "seg".
    const bool add = n % 5 == 4;
    const bool relu = !add && n % 3 == 2;
    const char* op = add ? "add" : relu ? "relu" : "leaky_relu";
    Attrs a(op);
    if (!add && !relu) a.set("slope", 0.1 + 0.2 * (n % 4));
    std::vector<int> in{pick()};
    if (add) in.push_back(pick());
    const std::string name = (n < nodes / 2 ? "seg.n" : "n") + std::to_string(n);
    r.g.add_node(make_op(op, a), name, in);
    r.attrs.push_back(a);
    r.node_inputs.push_back(in);
  }
  return r;
}

void check_planner_invariant(const Program& p) {
  for (size_t a = 0; a < p.buffers.size(); ++a)
    for (size_t b = a + 1; b < p.buffers.size(); ++b) {
      const Buffer& x = p.buffers[a];
      const Buffer& y = p.buffers[b];
      if (x.place != Place::arena || y.place != Place::arena) continue;
      if (x.alias_of >= 0 || y.alias_of >= 0) continue;  // planned in place: shares by design
      const bool alive_together = x.first <= y.last && y.first <= x.last;
      const bool share = x.offset < y.offset + std::max<int64_t>(y.floats, 1) && y.offset < x.offset + std::max<int64_t>(x.floats, 1);
      DEEPSC_EXPECT(!(alive_together && share), "buffers '" + x.what + "' and '" + y.what + "' overlap while both alive");
    }
}

}  // namespace

DEEPSC_TEST(graph_random_dags_match_op_by_op_evaluation) {
  const Shape shape{3, 5, 7};
  const int64_t n = shape.size();
  size_t in_place = 0, grad_in_place = 0, recomputed = 0;
  for (uint32_t seed = 1; seed <= 24; ++seed) {
    const bool recompute = seed % 2 == 0;
    RandomGraph r = random_graph(seed, 14, shape);
    const auto& values = r.g.values();
    // Seed the last value and one in the middle; the rest may be pruned or not reach a seed.
    const int last = static_cast<int>(values.size()) - 1;
    const int mid = static_cast<int>(values.size()) / 2;
    r.g.add_output("a", last);
    if (mid != last) r.g.add_output("b", mid);
    CompileOptions co;
    co.backward = true;
    co.input_grads = {"x"};
    co.seed_outputs = mid != last ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"a"};
    if (recompute) co.recompute = {"seg"};
    Executor ex(r.g, co, {});
    check_planner_invariant(ex.program());
    in_place += ex.program().in_place.size();
    grad_in_place += ex.program().grad_in_place.size();
    recomputed += ex.program().recomputed_nodes.size();
    DEEPSC_EXPECT(ex.plan().floats <= ex.plan().floats_without_reuse, "reuse must not grow the arena");

    HostTensor x = HostTensor::random(shape, seed * 7);
    std::memcpy(ex.value_view(0).data, x.data.data(), static_cast<size_t>(n) * sizeof(float));
    ex.forward();
    std::vector<std::vector<float>> seeds;
    std::map<int, HostTensor> seed_of;
    for (int v : ex.program().seed_values) {
      HostTensor s = HostTensor::random(shape, seed * 13 + static_cast<uint32_t>(v));
      seeds.push_back(s.data);
      seed_of.emplace(v, s);
    }
    ex.backward(seeds);

    // Reference: evaluate every node, then accumulate gradients in reverse in double.
    std::vector<HostTensor> val(values.size());
    val[0] = x;
    for (size_t k = 0; k < r.attrs.size(); ++k) {
      std::vector<HostTensor> in;
      for (int v : r.node_inputs[k]) in.push_back(val[static_cast<size_t>(v)]);
      val[k + 1] = run_forward_op(r.attrs[k].op(), r.attrs[k], in)[0];
    }
    std::vector<std::vector<double>> grad(values.size(), std::vector<double>(static_cast<size_t>(n), 0.0));
    for (auto& [v, s] : seed_of)
      for (int64_t i = 0; i < n; ++i) grad[static_cast<size_t>(v)][static_cast<size_t>(i)] += s.data[static_cast<size_t>(i)];
    for (size_t k = r.attrs.size(); k-- > 0;) {
      const bool add = r.attrs[k].op() == "add";
      const double slope = r.attrs[k].number("slope", 0);
      for (int v : r.node_inputs[k]) {
        const auto& xin = val[static_cast<size_t>(v)].data;
        for (int64_t i = 0; i < n; ++i)
          grad[static_cast<size_t>(v)][static_cast<size_t>(i)] +=
              grad[k + 1][static_cast<size_t>(i)] * (add || xin[static_cast<size_t>(i)] > 0 ? 1.0 : slope);
      }
    }
    for (const auto& [name, v] : r.g.outputs()) {
      const float* got = ex.value_view(v).data;
      for (int64_t i = 0; i < n; ++i)
        DEEPSC_EXPECT(got[i] == val[static_cast<size_t>(v)].data[static_cast<size_t>(i)],
                      "seed " + std::to_string(seed) + ": output " + name + " differs at " + std::to_string(i));
    }
    const float* dx = ex.grad_view(0).data;
    DEEPSC_EXPECT(dx != nullptr, "the input gradient exists");
    for (int64_t i = 0; i < n; ++i)
      DEEPSC_EXPECT(std::fabs(dx[i] - grad[0][static_cast<size_t>(i)]) <= 1e-5 * (1 + std::fabs(grad[0][static_cast<size_t>(i)])),
                    "seed " + std::to_string(seed) + ": dx[" + std::to_string(i) + "] = " + std::to_string(dx[i]) +
                        ", expected " + std::to_string(grad[0][static_cast<size_t>(i)]));
  }
  DEEPSC_EXPECT(in_place > 0, "some relus ran in place");
  DEEPSC_EXPECT(grad_in_place > 0, "some gradients were written over their output gradients");
  DEEPSC_EXPECT(recomputed > 0, "the segment was recomputed");
}

DEEPSC_TEST(graph_enforces_the_call_order) {
  Graph g;
  g.add_leaf("w", ValueKind::parameter, Shape{4}, true);
  auto y = g.add_node(make_op("relu", Attrs("relu")), "r", {0});
  g.add_output("y", y[0]);
  CompileOptions co;
  co.backward = true;
  co.seed_outputs = {"y"};
  const float w0[4] = {1, 2, 3, 4};
  Executor ex(g, co, {{"w", w0}});
  OptimizerConfig oc;
  oc.kind = OptimizerKind::adam;
  oc.groups.push_back(ParamGroup{{0}, 0.1});
  ex.set_optimizer(oc);
  const std::vector<std::vector<float>> seeds{{1, 1, 1, 1}};
  expect_error([&] { ex.backward(seeds); }, ErrorKind::Runtime, "backward before forward");
  expect_error([&] { ex.step(); }, ErrorKind::Runtime, "step before backward");
  ex.forward();
  ex.backward(seeds);
  expect_error([&] { ex.backward(seeds); }, ErrorKind::Runtime, "second backward");
  StepReport rep = ex.step();
  DEEPSC_EXPECT(rep.updated == 1 && std::fabs(rep.grad_norm - 2.0) < 1e-9, "one parameter, gradient norm 2");
  // Adam's first step with a constant gradient moves each element by lr / (1 + eps).
  for (int i = 0; i < 4; ++i)
    DEEPSC_EXPECT(std::fabs(ex.value_view(0).data[i] - (w0[i] - 0.1f)) < 1e-6, "Adam's first step");
  expect_error([&] { ex.step(); }, ErrorKind::Runtime, "second step");
}

DEEPSC_TEST(graph_rejects_bad_graphs) {
  Graph g;
  g.add_leaf("x", ValueKind::input, Shape{2});
  expect_error([&] { g.add_leaf("x", ValueKind::parameter, Shape{2}); }, ErrorKind::Type, "duplicate name");
  expect_error([&] { g.add_node(make_op("relu", Attrs("relu")), "r", {5}); }, ErrorKind::Range, "missing value");
  expect_error([&] { g.set_loss(0); }, ErrorKind::Type, "non-scalar loss");
  expect_error([&] { g.add_output("y", 9); }, ErrorKind::Range, "output of a missing value");
  CompileOptions co;
  co.backend = Backend::cuda;
  expect_error([&] { Executor ex(g, co, {}); }, ErrorKind::Runtime, "cuda executor");
}
