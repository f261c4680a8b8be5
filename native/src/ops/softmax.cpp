#include "deepsc/ops/softmax.h"

namespace deepsc {

SoftmaxParams Softmax::parse(const Attrs& a) {
  a.require_known({});
  return {};
}

OpSignature Softmax::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> Softmax::infer(const Params&, std::span<const Shape> in) {
  const Shape& x = in[0];
  DEEPSC_CHECK(x.rank() >= 2, Type, kName, "x must be [N, C, ...] (rank >= 2), got shape " + x.str());
  DEEPSC_CHECK(x[1] >= 1, Range, kName, "x must have at least one channel, got shape " + x.str());
  return {x};
}

}  // namespace deepsc
