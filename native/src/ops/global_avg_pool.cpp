#include "deepsc/ops/global_avg_pool.h"

#include "deepsc/ops/row_chunks.h"

namespace deepsc {

GlobalAvgPoolParams GlobalAvgPool::parse(const Attrs& a) {
  a.require_known({});
  return {};
}

OpSignature GlobalAvgPool::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> GlobalAvgPool::infer(const Params&, std::span<const Shape> in) {
  const Shape& x = in[0];
  if (x.rank() < 3 || x.rank() > 5)
    fail(ErrorKind::Type, kName, "x must be [N, C, ...] with rank 3 to 5, got shape " + x.str());
  for (int i = 0; i < x.rank(); ++i)
    if (x[i] < 1) fail(ErrorKind::Range, kName, "x must not be empty, got shape " + x.str());
  return {Shape{x[0], x[1]}};
}

int64_t GlobalAvgPool::workspace_floats(const Params&, std::span<const Shape> in, Pass pass) {
  return pass == Pass::forward ? row_chunks(in[0]).chunks() : 0;
}

}  // namespace deepsc
