#include "deepsc/ops/soft_dice.h"

namespace deepsc {

SoftDiceParams SoftDice::parse(const Attrs& a) {
  a.require_known({"smooth"});
  SoftDiceParams p{a.number("smooth", 1e-5)};
  if (!(p.smooth > 0)) fail(ErrorKind::Range, kName, "smooth = " + std::to_string(p.smooth) + " must be > 0");
  return p;
}

OpSignature SoftDice::signature() { return {{{"p"}, {"target", false, false}, {"mask", true, false}}, 1}; }

std::vector<Shape> SoftDice::infer(const Params&, std::span<const Shape> in) {
  const Shape& p = in[0];
  if (p.rank() < 2) fail(ErrorKind::Type, kName, "p must be [N, C, ...] (rank >= 2), got shape " + p.str());
  for (int64_t d : p.dims)
    if (d < 1) fail(ErrorKind::Range, kName, "p " + p.str() + " must not be empty (every extent >= 1)");
  if (in[1] != p) fail(ErrorKind::Type, kName, "target " + in[1].str() + " must have the shape of p " + p.str());
  if (in.size() > 2 && in[2].rank() != 0) {
    Shape per_position = p;
    per_position[1] = 1;
    if (in[2] != p && in[2] != per_position)
      fail(ErrorKind::Type, kName, "mask " + in[2].str() + " must have shape " + p.str() + " or " + per_position.str());
  }
  return {Shape{1}};
}

}  // namespace deepsc
