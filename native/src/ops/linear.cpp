#include "deepsc/ops/linear.h"

namespace deepsc {

LinearParams Linear::parse(const Attrs& a) {
  a.require_known({});
  return {};
}

OpSignature Linear::signature() { return {{{"x"}, {"w"}, {"b", /*optional=*/true}}, 1}; }

std::vector<Shape> Linear::infer(const Params&, std::span<const Shape> in) {
  const Shape &x = in[0], &w = in[1];
  require_rank(x, 2, kName, "x [N, F]");
  require_rank(w, 2, kName, "w [O, F]");
  if (w[1] != x[1])
    fail(ErrorKind::Type, kName, "w " + w.str() + " must have F = " + std::to_string(x[1]) + " columns to match x " + x.str());
  // An absent optional input arrives with an empty shape.
  if (in.size() > 2 && in[2].rank() != 0 && in[2] != Shape{w[0]})
    fail(ErrorKind::Type, kName, "b must have shape [" + std::to_string(w[0]) + "], got " + in[2].str());
  return {Shape{x[0], w[0]}};
}

}  // namespace deepsc
