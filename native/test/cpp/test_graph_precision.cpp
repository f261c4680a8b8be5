// The compile option `precision` (graph/precision.h): fp32 is accepted on every device; tf32
// and bf16 are refused on the CPU, and on CUDA unless the engine was built with
// DEEPSC_CUDA_LOWP, with a Range error naming the option, the precision and the device,
// directly and through the executor's constructor. The running precision the executor sets
// for the CUDA conv3d: fp32 outside a run, nested scopes restore the outer one.
#include <stdexcept>
#include <thread>

#include "graph/executor.h"
#include "graph/precision.h"
#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;
using namespace deepsc::graph;

namespace {

// The error's message (expect_error checks the kind only).
std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    DEEPSC_EXPECT(e.kind() == ErrorKind::Range, std::string("wrong error kind: ") + e.what());
    return e.what();
  }
  throw Failure{"no error was raised"};
}

}  // namespace

DEEPSC_TEST(graph_precision_fp32_everywhere_reduced_on_cuda_with_the_option) {
  require_precision(Precision::fp32, Backend::cpu);
  require_precision(Precision::fp32, Backend::cuda);
  const struct {
    Precision p;
    Backend b;
    bool refused;  // the CPU always; CUDA unless the engine was built with DEEPSC_CUDA_LOWP
    const char* fragments[3];
  } cases[] = {
      {Precision::tf32, Backend::cpu, true, {"precision 'tf32'", "device 'cpu'", "use precision 'fp32'"}},
      {Precision::bf16, Backend::cpu, true, {"precision 'bf16'", "device 'cpu'", "fp32 only"}},
      {Precision::tf32, Backend::cuda, !lowp_enabled(), {"precision 'tf32'", "device 'cuda'", "DEEPSC_CUDA_LOWP=ON"}},
      {Precision::bf16, Backend::cuda, !lowp_enabled(), {"precision 'bf16'", "device 'cuda'", "use precision 'fp32'"}},
  };
  for (const auto& c : cases) {
    if (!c.refused) {
      require_precision(c.p, c.b);
      continue;
    }
    const std::string m = message_of([&] { require_precision(c.p, c.b); });
    for (const char* f : c.fragments) DEEPSC_EXPECT(m.find(f) != std::string::npos, "'" + m + "' lacks '" + f + "'");
  }
}

DEEPSC_TEST(graph_precision_running_scope_nests_and_restores) {
  DEEPSC_EXPECT(running_precision() == Precision::fp32, "fp32 outside a run");
  {
    RunningPrecision outer(Precision::bf16);
    DEEPSC_EXPECT(running_precision() == Precision::bf16, "the outer scope's precision");
    {
      RunningPrecision inner(Precision::tf32);
      DEEPSC_EXPECT(running_precision() == Precision::tf32, "the inner scope's precision");
    }
    DEEPSC_EXPECT(running_precision() == Precision::bf16, "the outer one restored");
    // another thread runs its own graph: it does not see this thread's precision
    Precision seen = Precision::tf32;
    std::thread([&] { seen = running_precision(); }).join();
    DEEPSC_EXPECT(seen == Precision::fp32, "per thread");
  }
  DEEPSC_EXPECT(running_precision() == Precision::fp32, "fp32 again after the run");
}

DEEPSC_TEST(graph_precision_checked_when_compiling) {
  Graph g;
  const int x = g.add_leaf("x", ValueKind::input, Shape{2});
  g.add_output("y", g.add_node(make_op("relu", Attrs("relu")), "r", {x})[0]);
  CompileOptions co;
  Executor fp32(g, co, {});  // the default
  co.precision = Precision::bf16;
  const std::string m = message_of([&] { Executor ex(g, co, {}); });
  DEEPSC_EXPECT(m.find("precision 'bf16' is not available on device 'cpu'") != std::string::npos, m);
}
