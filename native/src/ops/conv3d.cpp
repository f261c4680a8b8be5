#include "deepsc/ops/conv3d.h"

#include "cpu/conv3d_engine.h"

namespace deepsc {

Conv3dParams Conv3d::parse(const Attrs& a) {
  a.require_known({"stride", "padding", "dilation", "groups"});
  Conv3dParams p;
  p.stride = conv_attrs::read(a, "stride", 1, 1);
  p.padding = conv_attrs::read(a, "padding", 0, 0);
  p.dilation = conv_attrs::read(a, "dilation", 1, 1);
  p.groups = conv_attrs::read_groups(a);
  return p;
}

OpSignature Conv3d::signature() { return {{{"x"}, {"w"}, {"b", true}}, 1}; }

ConvGeometry Conv3d::geometry(const Params& p, std::span<const Shape> in) {
  const std::string op = kName;
  const Shape &x = in[0], &w = in[1];
  require_rank(x, 5, op, "x [N, C, D, H, W]");
  require_rank(w, 5, op, "w [K, C/groups, kD, kH, kW]");
  ConvGeometry g;
  g.N = x[0];
  g.C = x[1];
  g.K = w[0];
  g.groups = p.groups;
  if (g.C < 1) fail(ErrorKind::Range, op, "x has " + std::to_string(g.C) + " channels (shape " + x.str() + "), need at least 1");
  if (g.K < 1) fail(ErrorKind::Range, op, "w has " + std::to_string(g.K) + " output channels (shape " + w.str() + "), need at least 1");
  if (g.C % g.groups != 0)
    fail(ErrorKind::Type, op, "x has " + std::to_string(g.C) + " channels, not divisible by groups = " + std::to_string(g.groups));
  if (g.K % g.groups != 0)
    fail(ErrorKind::Type, op, "w has " + std::to_string(g.K) + " output channels, not divisible by groups = " + std::to_string(g.groups));
  if (w[1] != g.C / g.groups)
    fail(ErrorKind::Type, op,
         "w " + w.str() + " must have C/groups = " + std::to_string(g.C / g.groups) + " input channels (x " + x.str() +
             ", groups " + std::to_string(g.groups) + "), got " + std::to_string(w[1]));
  if (in.size() > 2 && in[2].rank() > 0) {
    const Shape& b = in[2];
    if (b.rank() != 1 || b[0] != g.K)
      fail(ErrorKind::Type, op, "b must have shape [" + std::to_string(g.K) + "] (one per output channel), got " + b.str());
  }
  for (int a = 0; a < 3; ++a) {
    g.in[a] = x[2 + a];
    g.k[a] = w[2 + a];
    g.s[a] = p.stride[a];
    g.p[a] = p.padding[a];
    g.d[a] = p.dilation[a];
    if (g.k[a] < 1) fail(ErrorKind::Range, op, "w " + w.str() + " has an empty kernel along " + conv_attrs::axis_name(a));
    const int64_t extent = g.d[a] * (g.k[a] - 1) + 1, padded = g.in[a] + 2 * g.p[a];
    if (extent > padded)
      fail(ErrorKind::Range, op,
           std::string("kernel extent along ") + conv_attrs::axis_name(a) + " (dilation " + std::to_string(g.d[a]) +
               " x (" + std::to_string(g.k[a]) + " - 1) + 1 = " + std::to_string(extent) +
               ") is larger than the padded input (" + std::to_string(g.in[a]) + " + 2 x " + std::to_string(g.p[a]) +
               " = " + std::to_string(padded) + ")");
    g.out[a] = (padded - extent) / g.s[a] + 1;
  }
  return g;
}

std::vector<Shape> Conv3d::infer(const Params& p, std::span<const Shape> in) {
  const ConvGeometry g = geometry(p, in);
  return {Shape{g.N, g.K, g.out[0], g.out[1], g.out[2]}};
}

int64_t Conv3d::workspace_floats(const Params& p, std::span<const Shape> in, Pass pass) {
  const ConvGeometry g = geometry(p, in);
  if (pass == Pass::forward) return cpu::conv::forward_workspace(g);
  return std::max(cpu::conv::backward_data_workspace(g), cpu::conv::backward_weight_workspace(g));
}

}  // namespace deepsc
