#include "deepsc/ops/instance_norm.h"

#include "deepsc/ops/group_norm.h"
#include "deepsc/ops/norm_checks.h"

namespace deepsc {

InstanceNormParams InstanceNorm::parse(const Attrs& a) {
  a.require_known({"eps"});
  return {norm_checks::read_eps(a, a.op())};
}

OpSignature InstanceNorm::signature() { return {{{"x"}, {"gamma", true}, {"beta", true}}, 1}; }

std::vector<Shape> InstanceNorm::infer(const Params&, std::span<const Shape> in) {
  const std::string op = kName;
  norm_checks::check_activation(in[0], 3, 5, op);
  norm_checks::check_per_channel(in[1], in[0][1], op, "gamma");
  norm_checks::check_per_channel(in[2], in[0][1], op, "beta");
  return {in[0]};
}

int64_t InstanceNorm::workspace_floats(const Params& p, std::span<const Shape> in, Pass pass) {
  return GroupNorm::workspace_floats({in[0][1], p.eps}, in, pass);
}

}  // namespace deepsc
