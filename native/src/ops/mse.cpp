#include "deepsc/ops/mse.h"

namespace deepsc {

MseParams Mse::parse(const Attrs& a) {
  a.require_known({});
  return {};
}

OpSignature Mse::signature() { return {{{"a"}, {"b"}, {"weight", true, false}}, 1}; }

std::vector<Shape> Mse::infer(const Params&, std::span<const Shape> in) {
  if (in[1] != in[0]) fail(ErrorKind::Type, kName, "b " + in[1].str() + " must have the shape of a " + in[0].str());
  if (in.size() > 2 && in[2].rank() != 0 && in[2] != in[0])
    fail(ErrorKind::Type, kName, "weight " + in[2].str() + " must have the shape of a " + in[0].str());
  return {Shape{1}};
}

}  // namespace deepsc
