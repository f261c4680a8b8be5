#include "deepsc/ops/reshape.h"

namespace deepsc {

ReshapeParams Reshape::parse(const Attrs& a) {
  a.require_known({"shape"});
  if (!a.has("shape")) fail(ErrorKind::Type, kName, "attribute 'shape' is required");
  ReshapeParams p{a.integers("shape", {})};
  if (p.shape.size() > 8) fail(ErrorKind::Range, kName, "shape has " + std::to_string(p.shape.size()) + " dims (at most 8)");
  int inferred = 0;
  for (int64_t d : p.shape) {
    if (d == -1) ++inferred;
    else if (d < 0) fail(ErrorKind::Range, kName, "shape " + Shape(p.shape).str() + " has the entry " + std::to_string(d) + " (entries must be >= 0, or one -1)");
  }
  if (inferred > 1) fail(ErrorKind::Range, kName, "shape " + Shape(p.shape).str() + " has more than one -1");
  return p;
}

OpSignature Reshape::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> Reshape::infer(const Params& p, std::span<const Shape> in) {
  const int64_t n = in[0].numel(kName);
  int64_t known = 1;
  int hole = -1;
  for (size_t i = 0; i < p.shape.size(); ++i) {
    if (p.shape[i] == -1) hole = static_cast<int>(i);
    else known = checked_mul(known, p.shape[i], kName);
  }
  Shape out(p.shape);
  if (hole >= 0) {
    if (known == 0 || n % known != 0)
      fail(ErrorKind::Range, kName, "cannot infer the -1 of shape " + out.str() + " for x " + in[0].str() + " (" + std::to_string(n) + " elements)");
    out[hole] = n / known;
  } else if (known != n) {
    fail(ErrorKind::Range, kName,
         "shape " + out.str() + " holds " + std::to_string(known) + " elements, x " + in[0].str() + " holds " + std::to_string(n));
  }
  return {out};
}

}  // namespace deepsc
