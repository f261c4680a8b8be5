#include "deepsc/ops/cross_entropy.h"

#include "ops/class_loss.h"

namespace deepsc {

CrossEntropyParams CrossEntropy::parse(const Attrs& a) {
  a.require_known({"class_weights"});
  return {parse_class_weights(a)};
}

OpSignature CrossEntropy::signature() {
  return {{{"logits"}, {"target", false, false}, {"mask", true, false}}, 1};
}

std::vector<Shape> CrossEntropy::infer(const Params& p, std::span<const Shape> in) {
  return infer_class_loss(in, p.class_weights, kName);
}

}  // namespace deepsc
