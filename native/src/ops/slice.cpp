#include "deepsc/ops/slice.h"

#include "deepsc/axis.h"

namespace deepsc {

SliceParams Slice::parse(const Attrs& a) {
  a.require_known({"axis", "start", "length"});
  for (const char* k : {"axis", "start", "length"})
    if (!a.has(k)) fail(ErrorKind::Type, kName, std::string("attribute '") + k + "' is required");
  SliceParams p{a.integer("axis", 0), a.integer("start", 0), a.integer("length", 0)};
  if (p.start < 0) fail(ErrorKind::Range, kName, "start " + std::to_string(p.start) + " must be >= 0");
  if (p.length < 0) fail(ErrorKind::Range, kName, "length " + std::to_string(p.length) + " must be >= 0");
  return p;
}

OpSignature Slice::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> Slice::infer(const Params& p, std::span<const Shape> in) {
  const int axis = resolve_axis(p.axis, in[0].rank(), kName);
  if (p.start + p.length > in[0][axis])
    fail(ErrorKind::Range, kName,
         "start " + std::to_string(p.start) + " + length " + std::to_string(p.length) + " exceeds the extent " +
             std::to_string(in[0][axis]) + " of axis " + std::to_string(axis) + " of x " + in[0].str());
  Shape out = in[0];
  out[axis] = p.length;
  return {out};
}

}  // namespace deepsc
