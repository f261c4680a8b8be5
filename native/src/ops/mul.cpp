#include "deepsc/ops/mul.h"

#include "ops/broadcast.h"

namespace deepsc {

MulParams Mul::parse(const Attrs& a) {
  a.require_known({});
  return {};
}

OpSignature Mul::signature() { return {{{"a"}, {"b"}}, 1}; }

std::vector<Shape> Mul::infer(const Params&, std::span<const Shape> in) { return {broadcast_shapes(in[0], in[1], kName)}; }

}  // namespace deepsc
