#include "deepsc/ops/leaky_relu.h"

namespace deepsc {

LeakyReluParams LeakyRelu::parse(const Attrs& a) {
  a.require_known({"slope"});
  return {a.number("slope", 0.01)};
}

OpSignature LeakyRelu::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> LeakyRelu::infer(const Params&, std::span<const Shape> in) { return {in[0]}; }

}  // namespace deepsc
