#include "deepsc/ops/max_pool3d.h"

namespace deepsc {

MaxPool3dParams MaxPool3d::parse(const Attrs& a) {
  a.require_known({"kernel", "stride", "padding", "dilation", "ceil_mode"});
  return {parse_pool_window(a, true)};
}

OpSignature MaxPool3d::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> MaxPool3d::infer(const Params& p, std::span<const Shape> in) {
  return {pool_output_shape(p.window, in[0], kName)};
}

}  // namespace deepsc
