// The compile option `precision` (graph/precision.h): fp32 is accepted on every device; tf32
// and bf16 are refused with a Range error naming the option, the precision and the device,
// directly and through the executor's constructor.
#include <stdexcept>

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

DEEPSC_TEST(graph_precision_fp32_everywhere_reduced_nowhere_yet) {
  require_precision(Precision::fp32, Backend::cpu);
  require_precision(Precision::fp32, Backend::cuda);
  const struct {
    Precision p;
    Backend b;
    const char* fragments[3];
  } refusals[] = {
      {Precision::tf32, Backend::cpu, {"precision 'tf32'", "device 'cpu'", "use precision 'fp32'"}},
      {Precision::bf16, Backend::cpu, {"precision 'bf16'", "device 'cpu'", "fp32 only"}},
      {Precision::tf32, Backend::cuda, {"precision 'tf32'", "device 'cuda'", "not yet used by the executor"}},
      {Precision::bf16, Backend::cuda, {"precision 'bf16'", "device 'cuda'", "use precision 'fp32'"}},
  };
  for (const auto& r : refusals) {
    const std::string m = message_of([&] { require_precision(r.p, r.b); });
    for (const char* f : r.fragments) DEEPSC_EXPECT(m.find(f) != std::string::npos, "'" + m + "' lacks '" + f + "'");
  }
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
