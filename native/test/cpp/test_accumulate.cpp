// Gradient accumulation under the sanitizers: the executor's order checks that JS cannot reach
// (accumulate() is fused with backward() in the binding), and sums and means of seeded
// micro-batches on a graph whose gradient is the seed itself, so exact values are known.
#include "graph/executor.h"
#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;
using namespace deepsc::graph;

namespace {

// y = relu(w) with w > 0: dL/dw is the seed of y.
Executor relu_executor(const float* w0) {
  Graph g;
  g.add_leaf("w", ValueKind::parameter, Shape{4}, true);
  auto y = g.add_node(make_op("relu", Attrs("relu")), "r", {0});
  g.add_output("y", y[0]);
  CompileOptions co;
  co.backward = true;
  co.seed_outputs = {"y"};
  return Executor(g, co, {{"w", w0}});
}

}  // namespace

DEEPSC_TEST(accumulate_order_checks) {
  const float w0[4] = {1, 2, 3, 4};
  Executor ex = relu_executor(w0);
  OptimizerConfig oc;
  oc.kind = OptimizerKind::sgd;
  oc.groups.push_back(ParamGroup{{0}, 1.0});
  ex.set_optimizer(oc);
  const std::vector<std::vector<float>> seeds{{1, 1, 1, 1}};
  expect_error([&] { ex.accumulate(); }, ErrorKind::Runtime, "accumulate before any backward");
  ex.forward();
  expect_error([&] { ex.accumulate(); }, ErrorKind::Runtime, "accumulate after a forward without backward");
  ex.backward(seeds);
  ex.accumulate();
  expect_error([&] { ex.accumulate(); }, ErrorKind::Runtime, "the same backward accumulated twice");
  expect_error([&] { ex.check_step_boundary("checkpoint"); }, ErrorKind::Runtime, "checkpoint mid-accumulation");
  DEEPSC_EXPECT(ex.micro_batches() == 1, "one micro-batch");
  ex.step();
  DEEPSC_EXPECT(ex.micro_batches() == 0, "the step clears the micro-batches");
  ex.check_step_boundary("checkpoint");
}

DEEPSC_TEST(accumulate_sums_then_steps_with_the_mean) {
  const float w0[4] = {1, 2, 3, 4};
  Executor ex = relu_executor(w0);
  OptimizerConfig oc;
  oc.kind = OptimizerKind::sgd;
  oc.groups.push_back(ParamGroup{{0}, 0.5});
  ex.set_optimizer(oc);
  const std::vector<std::vector<std::vector<float>>> micro{
      {{0.5f, -1.f, 2.f, 0.f}}, {{1.5f, 1.f, -4.f, 0.25f}}, {{1.f, 3.f, 5.f, 0.5f}}};
  for (const auto& seeds : micro) {
    ex.forward();
    ex.backward(seeds);
    ex.accumulate();
  }
  float mean[4];
  DEEPSC_EXPECT(ex.accumulated_gradient(0, mean), "w has an accumulated gradient");
  const float want[4] = {1.f, 1.f, 1.f, 0.25f};  // (sum over the 3 micro-batches) / 3, exact here
  for (int i = 0; i < 4; ++i) DEEPSC_EXPECT(mean[i] == want[i], "mean of element " + std::to_string(i));
  const StepReport r = ex.step();
  DEEPSC_EXPECT(r.micro_batches == 3 && r.updated == 1, "the report counts 3 micro-batches");
  for (int i = 0; i < 4; ++i)
    DEEPSC_EXPECT(ex.value_view(0).data[i] == w0[i] - 0.5f * want[i], "SGD with lr 0.5 subtracts half the mean");
  // The next cycle starts from a copy, not from the old sums (w stays > 0, so relu passes the seed).
  ex.forward();
  ex.backward(micro[0]);
  ex.accumulate();
  DEEPSC_EXPECT(ex.accumulated_gradient(0, mean), "w has an accumulated gradient");
  for (int i = 0; i < 4; ++i) DEEPSC_EXPECT(mean[i] == micro[0][0][static_cast<size_t>(i)], "a fresh cycle");
  ex.zero_gradients();
  DEEPSC_EXPECT(!ex.accumulated_gradient(0, mean), "zero_gradients forgets the micro-batches");
  expect_error([&] { ex.step(); }, ErrorKind::Runtime, "step after zero_gradients: nothing to step with");
}
