#include "deepsc/ops/add.h"

#include "ops/broadcast.h"

namespace deepsc {

AddParams Add::parse(const Attrs& a) {
  a.require_known({});
  return {};
}

OpSignature Add::signature() { return {{{"a"}, {"b"}}, 1}; }

std::vector<Shape> Add::infer(const Params&, std::span<const Shape> in) { return {broadcast_shapes(in[0], in[1], kName)}; }

}  // namespace deepsc
