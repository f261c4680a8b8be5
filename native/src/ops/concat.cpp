#include "deepsc/ops/concat.h"

#include "deepsc/axis.h"

namespace deepsc {

ConcatParams Concat::parse(const Attrs& a) {
  a.require_known({"axis"});
  return {a.integer("axis", 1)};
}

OpSignature Concat::signature() { return {{{"x"}}, 1, /*variadic=*/true}; }

std::vector<Shape> Concat::infer(const Params& p, std::span<const Shape> in) {
  const Shape& first = in[0];
  const int axis = resolve_axis(p.axis, first.rank(), kName);
  Shape out = first;
  for (size_t i = 1; i < in.size(); ++i) {
    const Shape& s = in[i];
    bool same = s.rank() == first.rank();
    for (int d = 0; same && d < s.rank(); ++d) same = d == axis || s[d] == first[d];
    if (!same)
      fail(ErrorKind::Type, kName,
           "input " + std::to_string(i) + " has shape " + s.str() + ", which does not match input 0 " + first.str() +
               " outside axis " + std::to_string(axis));
    out[axis] += s[axis];
  }
  return {out};
}

}  // namespace deepsc
