#include "deepsc/ops/relu.h"

namespace deepsc {

ReluParams Relu::parse(const Attrs& a) {
  a.require_known({});
  return {};
}

OpSignature Relu::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> Relu::infer(const Params&, std::span<const Shape> in) { return {in[0]}; }

}  // namespace deepsc
