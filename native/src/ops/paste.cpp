#include "deepsc/ops/paste.h"

#include "ops/subvolume.h"

namespace deepsc {

PasteParams Paste::parse(const Attrs& a) {
  a.require_known({"offset"});
  return {required_triple(a, "offset")};
}

OpSignature Paste::signature() { return {{{"base"}, {"patch"}}, 1}; }

std::vector<Shape> Paste::infer(const Params& p, std::span<const Shape> in) {
  const Shape &base = in[0], &patch = in[1];
  require_rank(base, 5, kName, "base [N, C, D, H, W]");
  require_rank(patch, 5, kName, "patch [N, C, d, h, w]");
  if (patch[0] != base[0] || patch[1] != base[1])
    fail(ErrorKind::Type, kName,
         "patch " + patch.str() + " must have the batch and channel extents of base " + base.str());
  check_region(base, p.offset, {patch[2], patch[3], patch[4]}, kName, "base");
  return {base};
}

}  // namespace deepsc
