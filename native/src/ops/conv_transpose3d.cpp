#include "deepsc/ops/conv_transpose3d.h"

#include "cpu/conv3d_engine.h"

namespace deepsc {

ConvTranspose3dParams ConvTranspose3d::parse(const Attrs& a) {
  a.require_known({"stride", "padding", "output_padding", "dilation", "groups"});
  ConvTranspose3dParams p;
  p.stride = conv_attrs::read(a, "stride", 1, 1);
  p.padding = conv_attrs::read(a, "padding", 0, 0);
  p.output_padding = conv_attrs::read(a, "output_padding", 0, 0);
  p.dilation = conv_attrs::read(a, "dilation", 1, 1);
  p.groups = conv_attrs::read_groups(a);
  for (int i = 0; i < 3; ++i)
    if (p.output_padding[i] >= std::max(p.stride[i], p.dilation[i]))
      fail(ErrorKind::Range, a.op(),
           "output_padding " + conv_attrs::triple_str(p.output_padding) + " must be smaller than the stride " +
               conv_attrs::triple_str(p.stride) + " or the dilation " + conv_attrs::triple_str(p.dilation) +
               " along " + conv_attrs::axis_name(i));
  return p;
}

OpSignature ConvTranspose3d::signature() { return {{{"x"}, {"w"}, {"b", true}}, 1}; }

ConvGeometry ConvTranspose3d::geometry(const Params& p, std::span<const Shape> in) {
  const std::string op = kName;
  const Shape &x = in[0], &w = in[1];
  require_rank(x, 5, op, "x [N, C, D, H, W]");
  require_rank(w, 5, op, "w [C, K/groups, kD, kH, kW]");
  // The transposed conv of x is the input gradient of conv3d(y, w): that conv's input has the
  // K output channels, its output the C channels of x.
  ConvGeometry g;
  g.N = x[0];
  g.K = x[1];
  g.groups = p.groups;
  g.C = w[1] * p.groups;
  if (g.K < 1) fail(ErrorKind::Range, op, "x has " + std::to_string(g.K) + " channels (shape " + x.str() + "), need at least 1");
  if (w[0] != g.K)
    fail(ErrorKind::Type, op, "w " + w.str() + " must have " + std::to_string(g.K) + " input channels in dim 0 (x " + x.str() + "), got " + std::to_string(w[0]));
  if (g.K % g.groups != 0)
    fail(ErrorKind::Type, op, "x has " + std::to_string(g.K) + " channels, not divisible by groups = " + std::to_string(g.groups));
  if (w[1] < 1) fail(ErrorKind::Range, op, "w " + w.str() + " has no output channels");
  if (in.size() > 2 && in[2].rank() > 0) {
    const Shape& b = in[2];
    if (b.rank() != 1 || b[0] != g.C)
      fail(ErrorKind::Type, op, "b must have shape [" + std::to_string(g.C) + "] (one per output channel), got " + b.str());
  }
  for (int a = 0; a < 3; ++a) {
    g.out[a] = x[2 + a];
    g.k[a] = w[2 + a];
    g.s[a] = p.stride[a];
    g.p[a] = p.padding[a];
    g.d[a] = p.dilation[a];
    if (g.k[a] < 1) fail(ErrorKind::Range, op, "w " + w.str() + " has an empty kernel along " + conv_attrs::axis_name(a));
    if (g.out[a] < 1) fail(ErrorKind::Range, op, "x " + x.str() + " is empty along " + conv_attrs::axis_name(a));
    g.in[a] = (g.out[a] - 1) * g.s[a] - 2 * g.p[a] + g.d[a] * (g.k[a] - 1) + p.output_padding[a] + 1;
    if (g.in[a] < 1)
      fail(ErrorKind::Range, op,
           std::string("output size along ") + conv_attrs::axis_name(a) + " would be " + std::to_string(g.in[a]) +
               " ((" + std::to_string(g.out[a]) + " - 1) x stride " + std::to_string(g.s[a]) + " - 2 x padding " +
               std::to_string(g.p[a]) + " + dilation x (kernel - 1) + output_padding + 1): padding is too large");
  }
  return g;
}

std::vector<Shape> ConvTranspose3d::infer(const Params& p, std::span<const Shape> in) {
  const ConvGeometry g = geometry(p, in);
  return {Shape{g.N, g.C, g.in[0], g.in[1], g.in[2]}};
}

int64_t ConvTranspose3d::workspace_floats(const Params& p, std::span<const Shape> in, Pass pass) {
  const ConvGeometry g = geometry(p, in);
  if (pass == Pass::forward) return cpu::conv::backward_data_workspace(g);
  return std::max(cpu::conv::forward_workspace(g), cpu::conv::backward_weight_workspace(g));
}

}  // namespace deepsc
