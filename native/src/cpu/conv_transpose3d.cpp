// conv_transpose3d on the CPU. It is the input gradient of a convolution, so it reuses the
// convolution engine with the roles swapped: its forward is conv3d's backward-data, its
// backward-data is conv3d's forward, its backward-weight is conv3d's backward-weight with
// x and dy exchanged.
#include "cpu/conv3d_engine.h"
#include "cpu/kernels.h"

namespace deepsc::cpu {

namespace {

ConvGeometry geometry_of(const ConvTranspose3dParams& p, std::span<const TensorView> in) {
  const Shape shapes[2] = {in[0].shape, in[1].shape};
  return ConvTranspose3d::geometry(p, shapes);
}

// The registry sees an absent bias as a rank-0 shape, so a present rank-0 bias is caught here.
const float* bias_of(std::span<const TensorView> in) {
  if (in.size() < 3 || !in[2].present()) return nullptr;
  if (in[2].shape.rank() != 1) fail(ErrorKind::Type, "conv_transpose3d", "b must have rank 1, got shape " + in[2].shape.str());
  return in[2].data;
}

}  // namespace

/// y = conv_transpose3d(x, w) + b.
void conv_transpose3d_forward(const ConvTranspose3dParams& p, const OpArgs& a) {
  const ConvGeometry g = geometry_of(p, a.in);
  const float* b = bias_of(a.in);
  conv::backward_data(g, a.in[0].data, a.in[1].data, b, a.out[0].data, a.ws);
}

/// dx = conv3d(dy, w): the convolution this op transposes (`accumulate`: dx += it).
void conv_transpose3d_backward_data(const ConvGeometry& g, const float* dy, const float* w, float* dx, Workspace ws,
                                    bool accumulate) {
  conv::forward(g, dy, w, nullptr, dx, ws, accumulate);
}

/// dw[c][k] = sum x[c] * dy[k] at the matching positions: conv3d's weight gradient with the
/// conv's input being dy and its output gradient being x.
void conv_transpose3d_backward_weight(const ConvGeometry& g, const float* x, const float* dy, float* dw, Workspace ws) {
  conv::backward_weight(g, dy, x, dw, ws);
}

void conv_transpose3d_backward(const ConvTranspose3dParams& p, const OpGradArgs& a) {
  const ConvGeometry g = geometry_of(p, a.in);
  const float* dy = a.grad_out[0].data;
  if (a.grad_in[0].present())
    conv_transpose3d_backward_data(g, dy, a.in[1].data, a.grad_in[0].data, a.ws, (a.accumulate & 1u) != 0);
  if (a.grad_in[1].present()) conv_transpose3d_backward_weight(g, a.in[0].data, dy, a.grad_in[1].data, a.ws);
  if (a.grad_in.size() > 2 && a.grad_in[2].present())
    conv::channel_sums(g.N, g.C, g.in[0] * g.in[1] * g.in[2], dy, a.grad_in[2].data);
}

}  // namespace deepsc::cpu
