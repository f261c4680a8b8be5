#include "deepsc/ops/focal.h"

#include "ops/class_loss.h"

namespace deepsc {

FocalParams Focal::parse(const Attrs& a) {
  a.require_known({"gamma", "class_weights"});
  FocalParams p{a.number("gamma", 2.0), parse_class_weights(a)};
  if (p.gamma < 0) fail(ErrorKind::Range, kName, "gamma = " + std::to_string(p.gamma) + " must be >= 0");
  return p;
}

OpSignature Focal::signature() {
  return {{{"logits"}, {"target", false, false}, {"mask", true, false}}, 1};
}

std::vector<Shape> Focal::infer(const Params& p, std::span<const Shape> in) {
  return infer_class_loss(in, p.class_weights, kName);
}

}  // namespace deepsc
