#include "deepsc/ops/crop.h"

#include "ops/subvolume.h"

namespace deepsc {

CropParams Crop::parse(const Attrs& a) {
  a.require_known({"offset", "size"});
  CropParams p{required_triple(a, "offset"), required_triple(a, "size")};
  for (int64_t s : p.size)
    if (s < 1) fail(ErrorKind::Range, kName, "size " + triple_str(p.size) + " must be >= 1 along every axis");
  return p;
}

OpSignature Crop::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> Crop::infer(const Params& p, std::span<const Shape> in) {
  require_rank(in[0], 5, kName, "x [N, C, D, H, W]");
  check_region(in[0], p.offset, p.size, kName, "x");
  return {Shape{in[0][0], in[0][1], p.size[0], p.size[1], p.size[2]}};
}

}  // namespace deepsc
