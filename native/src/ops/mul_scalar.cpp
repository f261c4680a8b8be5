#include "deepsc/ops/mul_scalar.h"

namespace deepsc {

MulScalarParams MulScalar::parse(const Attrs& a) {
  a.require_known({"value"});
  if (!a.has("value")) fail(ErrorKind::Type, kName, "attribute 'value' is required");
  return {a.number("value", 1.0)};
}

OpSignature MulScalar::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> MulScalar::infer(const Params&, std::span<const Shape> in) { return {in[0]}; }

}  // namespace deepsc
