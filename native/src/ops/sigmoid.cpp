#include "deepsc/ops/sigmoid.h"

namespace deepsc {

SigmoidParams Sigmoid::parse(const Attrs& a) {
  a.require_known({});
  return {};
}

OpSignature Sigmoid::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> Sigmoid::infer(const Params&, std::span<const Shape> in) { return {in[0]}; }

}  // namespace deepsc
