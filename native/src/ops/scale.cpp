#include "deepsc/ops/scale.h"

namespace deepsc {

ScaleParams Scale::parse(const Attrs& a) {
  a.require_known({});
  return {};
}

OpSignature Scale::signature() { return {{{"x"}, {"s"}}, 1}; }

std::vector<Shape> Scale::infer(const Params&, std::span<const Shape> in) {
  if (in[1] != Shape{1}) fail(ErrorKind::Type, kName, "s must have shape [1], got " + in[1].str());
  return {in[0]};
}

}  // namespace deepsc
