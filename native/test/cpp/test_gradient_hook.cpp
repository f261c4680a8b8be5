// The gradient hook (deepsc/gradient_hook.h) under the sanitizers, with a fake backend that
// records what the executor hands over and, on wait, scales every handed buffer (a stand-in for
// "the mean over the ranks"), so exact values are known: each trainable gradient handed over
// once, as soon as it is final (after its last accumulation), in the order the backward
// finishes them; the accumulated sum on the syncing micro-batch; the settled values used by the
// step; a failed reduction failing the step; unsynced gradients refused.
#include <cstdio>
#include <memory>

#include "deepsc/gradient_hook.h"
#include "graph/executor.h"
#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;
using namespace deepsc::graph;

namespace {

struct FakeBackend {
  std::vector<int> order;                 // parameters in the order ready() saw them
  std::vector<std::vector<float>> seen;   // their values at ready()
  std::vector<std::pair<float*, int64_t>> held;
  int flushes = 0;
  int waits = 0;
  float scale = 1.f;
  std::string error;  // non-empty: wait() fails with it

  deepsc_gradient_hook hook() {
    deepsc_gradient_hook h{};
    h.abi_version = DEEPSC_GRADIENT_HOOK_ABI;
    h.ctx = this;
    h.ready = [](void* c, int32_t id, float* data, int64_t n) {
      auto* f = static_cast<FakeBackend*>(c);
      f->order.push_back(id);
      f->seen.emplace_back(data, data + n);
      f->held.emplace_back(data, n);
    };
    h.flush = [](void* c) { ++static_cast<FakeBackend*>(c)->flushes; };
    h.wait = [](void* c, char* err, size_t len) {
      auto* f = static_cast<FakeBackend*>(c);
      ++f->waits;
      if (!f->error.empty()) {
        std::snprintf(err, len, "%s", f->error.c_str());
        f->held.clear();
        return 1;
      }
      for (auto& [p, n] : f->held)
        for (int64_t i = 0; i < n; ++i) p[i] *= f->scale;
      f->held.clear();
      return 0;
    };
    return h;
  }
};

const float kX[4] = {1, 2, 3, 4};
const float kW1[4] = {0.5f, 0.5f, 0.5f, 0.5f};
const float kW2[4] = {2, 2, 2, 2};

// y = (x * w1) * w2 + x * w1: w1 is used twice (its gradient is accumulated), w2 once.
// dL/dw2 = s * x * w1, dL/dw1 = s * x * w2 + s * x (exact in float for these values).
std::unique_ptr<Executor> two_parameter_executor() {
  Graph g;
  g.add_leaf("x", ValueKind::input, Shape{4}, false);
  const int w1 = g.add_leaf("w1", ValueKind::parameter, Shape{4}, true);
  const int w2 = g.add_leaf("w2", ValueKind::parameter, Shape{4}, true);
  auto a = g.add_node(make_op("mul", Attrs("mul")), "m1", {0, w1});
  auto b = g.add_node(make_op("mul", Attrs("mul")), "m2", {a[0], w2});
  auto c = g.add_node(make_op("mul", Attrs("mul")), "m3", {0, w1});
  auto y = g.add_node(make_op("add", Attrs("add")), "s", {b[0], c[0]});
  g.add_output("y", y[0]);
  CompileOptions co;
  co.backward = true;
  co.seed_outputs = {"y"};
  auto ex = std::make_unique<Executor>(g, co, std::map<std::string, const float*>{{"w1", kW1}, {"w2", kW2}});
  OptimizerConfig oc;
  oc.kind = OptimizerKind::sgd;
  oc.groups.push_back(ParamGroup{{w1, w2}, 1.0});
  ex->set_optimizer(oc);
  ex->write_value(0, kX);
  return ex;
}

std::vector<float> grad_w1(const std::vector<float>& s) {
  std::vector<float> g(4);
  for (int i = 0; i < 4; ++i) g[static_cast<size_t>(i)] = s[static_cast<size_t>(i)] * kX[i] * kW2[i] + s[static_cast<size_t>(i)] * kX[i];
  return g;
}
std::vector<float> grad_w2(const std::vector<float>& s) {
  std::vector<float> g(4);
  for (int i = 0; i < 4; ++i) g[static_cast<size_t>(i)] = s[static_cast<size_t>(i)] * kX[i] * kW1[i];
  return g;
}

const std::vector<float> kSeed{1.f, -0.5f, 0.25f, 2.f};
const std::vector<float> kSeed2{0.5f, 1.f, -1.f, 0.75f};

}  // namespace

DEEPSC_TEST(gradient_hook_hands_each_gradient_over_once_when_final) {
  auto owned = two_parameter_executor();
  Executor& ex = *owned;
  FakeBackend f;
  f.scale = 0.5f;
  const deepsc_gradient_hook h = f.hook();
  ex.set_gradient_hook(&h);
  ex.forward();
  ex.backward({kSeed});
  const int w1 = ex.graph().find_leaf("w1");
  const int w2 = ex.graph().find_leaf("w2");
  DEEPSC_EXPECT(f.order.size() == 2 && f.order[0] == w2 && f.order[1] == w1,
                "w2 (final after its only backward) is handed over before w1 (final after its accumulation), once each");
  DEEPSC_EXPECT(f.seen[0] == grad_w2(kSeed), "w2's gradient as handed over is final");
  DEEPSC_EXPECT(f.seen[1] == grad_w1(kSeed), "w1's gradient as handed over holds both contributions");
  DEEPSC_EXPECT(f.flushes == 1 && f.waits == 0, "the backward flushes and does not wait");
  float g[4];
  DEEPSC_EXPECT(ex.read_gradient(w1, g), "w1 has a gradient");
  DEEPSC_EXPECT(f.waits == 1, "reading a gradient settles the reduction");
  for (int i = 0; i < 4; ++i) DEEPSC_EXPECT(g[i] == 0.5f * grad_w1(kSeed)[static_cast<size_t>(i)], "the reduced value is read");
  ex.step();
  DEEPSC_EXPECT(f.waits == 1, "a settled reduction is not waited for twice");
  for (int i = 0; i < 4; ++i) {
    DEEPSC_EXPECT(ex.value_view(w1).data[i] == kW1[i] - 0.5f * grad_w1(kSeed)[static_cast<size_t>(i)], "SGD steps with the reduced w1");
    DEEPSC_EXPECT(ex.value_view(w2).data[i] == kW2[i] - 0.5f * grad_w2(kSeed)[static_cast<size_t>(i)], "SGD steps with the reduced w2");
  }
}

DEEPSC_TEST(gradient_hook_forward_settles_a_reduction_in_flight) {
  auto owned = two_parameter_executor();
  Executor& ex = *owned;
  FakeBackend f;
  const deepsc_gradient_hook h = f.hook();
  ex.set_gradient_hook(&h);
  ex.forward();
  ex.backward({kSeed});
  ex.forward();
  DEEPSC_EXPECT(f.waits == 1, "a forward waits for the reduction before reusing the arena");
  ex.backward({kSeed});
  ex.set_gradient_hook(nullptr);
  DEEPSC_EXPECT(f.waits == 2, "removing the hook settles first");
  ex.step();  // without a hook the step takes the local gradients
}

DEEPSC_TEST(gradient_hook_failure_fails_the_step_and_drops_the_gradients) {
  auto owned = two_parameter_executor();
  Executor& ex = *owned;
  FakeBackend f;
  f.error = "allReduce failed: rank 1 (pid 42 on this host) exited";
  const deepsc_gradient_hook h = f.hook();
  ex.set_gradient_hook(&h);
  ex.forward();
  ex.backward({kSeed});
  try {
    ex.step();
    throw Failure{"a failed reduction must fail the step"};
  } catch (const Error& e) {
    DEEPSC_EXPECT(e.kind() == ErrorKind::Runtime, "a runtime error");
    DEEPSC_EXPECT(std::string(e.what()).find("rank 1 (pid 42 on this host) exited") != std::string::npos,
                  std::string("the backend's message reaches the caller: ") + e.what());
  }
  for (int i = 0; i < 4; ++i) DEEPSC_EXPECT(ex.value_view(1).data[i] == kW1[i], "the parameters did not move");
  expect_error([&] { ex.step(); }, ErrorKind::Runtime, "the failed gradients are gone");
}

DEEPSC_TEST(gradient_hook_refuses_a_step_on_unsynced_gradients) {
  auto owned = two_parameter_executor();
  Executor& ex = *owned;
  FakeBackend f;
  const deepsc_gradient_hook h = f.hook();
  ex.set_gradient_hook(&h);
  ex.forward();
  BackwardMode no_sync;
  no_sync.sync_gradients = false;
  ex.backward({kSeed}, no_sync);
  DEEPSC_EXPECT(f.order.empty() && f.flushes == 0, "a backward without sync hands nothing over");
  expect_error([&] { ex.step(); }, ErrorKind::Runtime, "a step on this rank's own gradients");
}

DEEPSC_TEST(gradient_hook_hands_over_the_accumulated_sum_on_the_syncing_micro_batch) {
  auto owned = two_parameter_executor();
  Executor& ex = *owned;
  FakeBackend f;
  f.scale = 0.5f;
  const deepsc_gradient_hook h = f.hook();
  ex.set_gradient_hook(&h);
  BackwardMode first;
  first.accumulate = true;
  first.sync_gradients = false;
  BackwardMode last;
  last.accumulate = true;
  ex.forward();
  ex.backward({kSeed}, first);
  DEEPSC_EXPECT(f.order.empty(), "the first micro-batch is not synced");
  ex.forward();
  ex.backward({kSeed2}, last);
  DEEPSC_EXPECT(f.order.size() == 2 && ex.micro_batches() == 2, "the last micro-batch syncs; two are counted");
  const int w1 = ex.graph().find_leaf("w1");
  std::vector<float> sum(4);
  for (size_t i = 0; i < 4; ++i) sum[i] = grad_w1(kSeed)[i] + grad_w1(kSeed2)[i];
  DEEPSC_EXPECT(f.seen[1] == sum, "w1's handed-over value is the micro-batches' sum");
  float mean[4];
  DEEPSC_EXPECT(ex.accumulated_gradient(w1, mean), "w1 has an accumulated gradient");
  for (size_t i = 0; i < 4; ++i) DEEPSC_EXPECT(mean[i] == 0.5f * sum[i] / 2, "the mean of the reduced sum");
  const StepReport r = ex.step();
  DEEPSC_EXPECT(r.micro_batches == 2, "the step uses both micro-batches");
  for (size_t i = 0; i < 4; ++i)
    DEEPSC_EXPECT(ex.value_view(w1).data[i] == kW1[i] - 0.5f * sum[i] / 2, "SGD with the reduced mean");
}

DEEPSC_TEST(gradient_hook_checks_the_abi) {
  auto owned = two_parameter_executor();
  Executor& ex = *owned;
  FakeBackend f;
  deepsc_gradient_hook h = f.hook();
  h.abi_version = DEEPSC_GRADIENT_HOOK_ABI + 1;
  expect_error([&] { ex.set_gradient_hook(&h); }, ErrorKind::Type, "another ABI version");
  h = f.hook();
  h.wait = nullptr;
  expect_error([&] { ex.set_gradient_hook(&h); }, ErrorKind::Type, "a hook without wait");
  DEEPSC_EXPECT(!ex.has_gradient_hook(), "a refused hook is not set");
}
