#include "deepsc/ops/group_norm.h"

#include "deepsc/ops/norm_checks.h"
#include "deepsc/ops/row_chunks.h"

namespace deepsc {

GroupNormParams GroupNorm::parse(const Attrs& a) {
  a.require_known({"groups", "eps"});
  if (!a.has("groups")) fail(ErrorKind::Type, a.op(), "attribute 'groups' is required (a divisor of C)");
  GroupNormParams p;
  p.groups = a.integer("groups", 1);
  if (p.groups < 1) fail(ErrorKind::Range, a.op(), "groups must be >= 1, got " + std::to_string(p.groups));
  p.eps = norm_checks::read_eps(a, a.op());
  return p;
}

OpSignature GroupNorm::signature() { return {{{"x"}, {"gamma", true}, {"beta", true}}, 1}; }

std::vector<Shape> GroupNorm::infer(const Params& p, std::span<const Shape> in) {
  const std::string op = kName;
  const Shape& x = in[0];
  norm_checks::check_activation(x, 3, 5, op);
  if (x[1] % p.groups != 0)
    fail(ErrorKind::Range, op,
         "C = " + std::to_string(x[1]) + " is not divisible by groups = " + std::to_string(p.groups));
  norm_checks::check_per_channel(in[1], x[1], op, "gamma");
  norm_checks::check_per_channel(in[2], x[1], op, "beta");
  return {x};
}

int64_t GroupNorm::workspace_floats(const Params& p, std::span<const Shape> in, Pass) {
  const RowChunks r = row_chunks(in[0]);
  return 2 * r.chunks() + 2 * r.n * p.groups + 3 * r.rows();
}

}  // namespace deepsc
