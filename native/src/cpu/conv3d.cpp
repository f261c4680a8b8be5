// conv3d on the CPU: forward, backward-data, backward-weight and bias gradient, all on the
// direct convolution engine (conv3d_engine.cpp).
#include "cpu/conv3d_engine.h"
#include "cpu/kernels.h"

namespace deepsc::cpu {

namespace {

ConvGeometry geometry_of(const Conv3dParams& p, std::span<const TensorView> in) {
  const Shape shapes[2] = {in[0].shape, in[1].shape};
  return Conv3d::geometry(p, shapes);
}

// The registry sees an absent bias as a rank-0 shape, so a present rank-0 bias is caught here.
const float* bias_of(std::span<const TensorView> in) {
  if (in.size() < 3 || !in[2].present()) return nullptr;
  if (in[2].shape.rank() != 1) fail(ErrorKind::Type, "conv3d", "b must have rank 1, got shape " + in[2].shape.str());
  return in[2].data;
}

}  // namespace

/// y = conv3d(x, w) + b.
void conv3d_forward(const Conv3dParams& p, const OpArgs& a) {
  const ConvGeometry g = geometry_of(p, a.in);
  const float* b = bias_of(a.in);
  conv::forward(g, a.in[0].data, a.in[1].data, b, a.out[0].data, a.ws);
}

/// dx from dy and w (`accumulate`: dx += it).
void conv3d_backward_data(const ConvGeometry& g, const float* dy, const float* w, float* dx, Workspace ws,
                          bool accumulate) {
  conv::backward_data(g, dy, w, nullptr, dx, ws, accumulate);
}

/// dw from x and dy.
void conv3d_backward_weight(const ConvGeometry& g, const float* x, const float* dy, float* dw, Workspace ws) {
  conv::backward_weight(g, x, dy, dw, ws);
}

/// db: dy summed over the batch and space.
void conv3d_backward_bias(const ConvGeometry& g, const float* dy, float* db) {
  conv::channel_sums(g.N, g.K, g.out[0] * g.out[1] * g.out[2], dy, db);
}

void conv3d_backward(const Conv3dParams& p, const OpGradArgs& a) {
  const ConvGeometry g = geometry_of(p, a.in);
  const float* dy = a.grad_out[0].data;
  if (a.grad_in[0].present())
    conv3d_backward_data(g, dy, a.in[1].data, a.grad_in[0].data, a.ws, (a.accumulate & 1u) != 0);
  if (a.grad_in[1].present()) conv3d_backward_weight(g, a.in[0].data, dy, a.grad_in[1].data, a.ws);
  if (a.grad_in.size() > 2 && a.grad_in[2].present()) conv3d_backward_bias(g, dy, a.grad_in[2].data);
}

}  // namespace deepsc::cpu
