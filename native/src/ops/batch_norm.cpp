#include "deepsc/ops/batch_norm.h"

#include "deepsc/ops/norm_checks.h"
#include "deepsc/ops/row_chunks.h"

namespace deepsc {

BatchNormParams BatchNorm::parse(const Attrs& a) {
  a.require_known({"mode", "momentum", "eps"});
  if (!a.has("mode"))
    fail(ErrorKind::Type, a.op(), "attribute 'mode' is required: 'train' (batch statistics) or 'eval' (running ones)");
  BatchNormParams p;
  p.mode = a.choice("mode", "train", {"train", "eval"}) == "train" ? BatchNormMode::train : BatchNormMode::eval;
  p.momentum = a.number("momentum", 0.1);
  if (p.momentum < 0 || p.momentum > 1)
    fail(ErrorKind::Range, a.op(), "momentum must be in [0, 1], got " + std::to_string(p.momentum));
  p.eps = norm_checks::read_eps(a, a.op());
  return p;
}

OpSignature BatchNorm::signature() {
  return {{{"x"}, {"gamma", true}, {"beta", true}, {"running_mean", true, false}, {"running_var", true, false}}, 1};
}

std::vector<Shape> BatchNorm::infer(const Params& p, std::span<const Shape> in) {
  const std::string op = kName;
  const Shape& x = in[0];
  norm_checks::check_activation(x, 2, 5, op);
  const int64_t c = x[1];
  norm_checks::check_per_channel(in[1], c, op, "gamma");
  norm_checks::check_per_channel(in[2], c, op, "beta");
  norm_checks::check_per_channel(in[3], c, op, "running_mean");
  norm_checks::check_per_channel(in[4], c, op, "running_var");
  if (norm_checks::given(in[3]) != norm_checks::given(in[4]))
    fail(ErrorKind::Type, op, "running_mean and running_var must be given together");
  if (p.mode == BatchNormMode::eval && !norm_checks::given(in[3]))
    fail(ErrorKind::Type, op, "mode 'eval' needs running_mean and running_var");
  if (p.mode == BatchNormMode::train && x.size() / c < 2)
    fail(ErrorKind::Range, op,
         "mode 'train' needs more than 1 value per channel (N x spatial), got x of shape " + x.str());
  return {x};
}

int64_t BatchNorm::workspace_floats(const Params&, std::span<const Shape> in, Pass) {
  const RowChunks r = row_chunks(in[0]);
  return 2 * r.chunks() + 2 * r.c + 3 * r.rows();
}

}  // namespace deepsc
