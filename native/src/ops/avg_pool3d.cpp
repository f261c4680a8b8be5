#include "deepsc/ops/avg_pool3d.h"

namespace deepsc {

AvgPool3dParams AvgPool3d::parse(const Attrs& a) {
  a.require_known({"kernel", "stride", "padding", "ceil_mode", "count_include_pad"});
  return {parse_pool_window(a, false), a.boolean("count_include_pad", true)};
}

OpSignature AvgPool3d::signature() { return {{{"x"}}, 1}; }

std::vector<Shape> AvgPool3d::infer(const Params& p, std::span<const Shape> in) {
  return {pool_output_shape(p.window, in[0], kName)};
}

}  // namespace deepsc
