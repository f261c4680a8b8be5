// conv_transpose3d on the GPU: the CPU twin is src/cpu/conv_transpose3d.cpp. A transposed
// convolution is the input gradient of the convolution it transposes (ConvTranspose3d::geometry
// describes that convolution: its input is our output y, C channels; its output is our input x,
// K channels; its weight is our w [K, C/groups, k]). So, as on the CPU, the passes are conv3d's
// with the roles swapped, run by conv3d.cu's host entry points (its tiled implicit GEMM):
//   forward          y  = conv3d backward-data (dy := x), then + b[c]
//   backward-data    dx = conv3d forward (x := dy)
//   backward-weight  dw = conv3d backward-weight (x := dy, dy := x)
//   bias gradient    db[c] = sum over n and space of dy[n, c]: one block per channel (double
//                    partials, fixed tree; deterministic, no atomics)
// The passes through conv3d run in the compiled graph's precision (graph::running_precision():
// conv3d.cu reads it, so tf32 / bf16 reach its tensor-core kernels here too); the direct kernels,
// the bias and its gradient stay fp32.
// conv3d.cu derives its geometry from the shapes, and it derives ours except when an output
// padding reaches a stride (allowed when the dilation is larger: then conv3d would see one more
// output position). That rare case runs the direct kernels of conv_transpose3d.cuh (one
// thread per output element, the sums written out; correct but not fast).
#include "cuda/conv_transpose3d.cuh"
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/reduce.cuh"
#include "cuda/vector_ops.h"

namespace deepsc::cuda {

// conv3d.cu's host entry points (declared in ops.h, which the kernels do not include).
void conv3d_forward(const Conv3dParams& p, const OpArgs& a);
void conv3d_backward(const Conv3dParams& p, const OpGradArgs& a);

namespace {

using convt::Geo;

Conv3dParams conv_params(const ConvTranspose3dParams& p) { return {p.stride, p.padding, p.dilation, p.groups}; }

ConvGeometry geometry_of(const ConvTranspose3dParams& p, std::span<const TensorView> in) {
  const Shape shapes[2] = {in[0].shape, in[1].shape};
  return ConvTranspose3d::geometry(p, shapes);
}

// The registry sees an absent bias as a rank-0 shape, so a present rank-0 bias is caught here
// (as on the CPU).
const float* bias_of(std::span<const TensorView> in) {
  if (in.size() < 3 || !in[2].present()) return nullptr;
  if (in[2].shape.rank() != 1) fail(ErrorKind::Type, "conv_transpose3d", "b must have rank 1, got shape " + in[2].shape.str());
  return in[2].data;
}

Shape y_shape(const ConvGeometry& g) { return Shape{g.N, g.C, g.in[0], g.in[1], g.in[2]}; }

// Whether conv3d, given a tensor of y's shape as its input and w, derives this geometry.
bool conv3d_agrees(const ConvTranspose3dParams& p, const ConvGeometry& g, const Shape& w) {
  const Shape shapes[2] = {y_shape(g), w};
  try {
    const ConvGeometry c = Conv3d::geometry(conv_params(p), shapes);
    return c.out == g.out && c.in == g.in && c.C == g.C && c.K == g.K && c.N == g.N;
  } catch (const Error&) {
    return false;
  }
}

__global__ void direct_fwd(Geo G, const float* __restrict__ x, const float* __restrict__ w,
                           const float* __restrict__ bias, float* __restrict__ y, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[i] = convt::forward_at(G, x, w, bias, i);
}

__global__ void direct_bwd_data(Geo G, const float* __restrict__ dy, const float* __restrict__ w,
                                float* __restrict__ dx, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) dx[i] = convt::backward_data_at(G, dy, w, i);
}

__global__ void direct_bwd_weight(Geo G, const float* __restrict__ x, const float* __restrict__ dy,
                                  float* __restrict__ dw, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) dw[i] = convt::backward_weight_at(G, x, dy, i);
}

// y[n, c, :] += b[c]: grid y over the (n, c) planes, grid x over the plane (no division per
// element).
__global__ void add_bias(float* __restrict__ y, const float* __restrict__ bias, int64_t C, int64_t sp, int64_t planes) {
  for (int64_t pl = blockIdx.y; pl < planes; pl += gridDim.y) {
    const float b = bias[pl % C];
    float* row = y + pl * sp;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < sp;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x)
      row[i] += b;
  }
}

// db[c] = sum over n and space of dy[n, c, :]: block c (kSumThreads threads, so that the few
// channel blocks still keep enough loads in flight), float4 loads when every row is 16-byte
// aligned (`vec4`), double partials in a fixed order, fixed tree.
constexpr int kSumThreads = 1024;

__global__ void __launch_bounds__(kSumThreads)
    channel_sums(const float* __restrict__ dy, float* __restrict__ db, int64_t N, int64_t C, int64_t sp, bool vec4) {
  __shared__ double scratch[32];
  const int64_t c = blockIdx.x;
  double acc = 0;
  for (int64_t b = 0; b < N; ++b) {
    const float* row = dy + (b * C + c) * sp;
    if (vec4) {
      const float4* r4 = reinterpret_cast<const float4*>(row);
      for (int64_t i = threadIdx.x; i < sp / 4; i += blockDim.x) {
        const float4 v = r4[i];
        acc += (static_cast<double>(v.x) + v.y) + (static_cast<double>(v.z) + v.w);
      }
    } else {
      for (int64_t i = threadIdx.x; i < sp; i += blockDim.x) acc += row[i];
    }
  }
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) db[c] = static_cast<float>(acc);
}

}  // namespace

void conv_transpose3d_forward(const ConvTranspose3dParams& p, const OpArgs& a) {
  const ConvGeometry g = geometry_of(p, a.in);
  const float* bias = bias_of(a.in);
  const TensorView &x = a.in[0], &w = a.in[1], &y = a.out[0];
  const int64_t n = y.numel();
  if (n == 0) return;
  const Geo G = convt::make_geo(g);
  if (!conv3d_agrees(p, g, w.shape)) {
    direct_fwd<<<blocks_for(n), kThreads>>>(G, x.data, w.data, bias, y.data, n);
    check_launch("conv_transpose3d");
    return;
  }
  // conv3d's backward-data with our x as its output gradient writes our y as its input gradient.
  const TensorView in[2] = {TensorView{nullptr, y.shape}, w};
  const TensorView out[1] = {x};
  const TensorView grad_in[2] = {y, TensorView{nullptr, w.shape}};
  conv3d_backward(conv_params(p), OpGradArgs{in, out, out, grad_in, a.ws});
  if (bias) {
    const int64_t planes = G.N * G.C, bx = (G.in_sp + kThreads - 1) / kThreads;
    const dim3 grid(static_cast<unsigned>(bx < 1024 ? bx : 1024), static_cast<unsigned>(planes < 65535 ? planes : 65535));
    add_bias<<<grid, kThreads>>>(y.data, bias, G.C, G.in_sp, planes);
    check_launch("conv_transpose3d (bias)");
  }
}

void conv_transpose3d_backward(const ConvTranspose3dParams& p, const OpGradArgs& a) {
  const ConvGeometry g = geometry_of(p, a.in);
  const Geo G = convt::make_geo(g);
  const TensorView &x = a.in[0], &w = a.in[1];
  const TensorView dy{a.grad_out[0].data, y_shape(g)};
  const bool via_conv3d = conv3d_agrees(p, g, w.shape);
  const TensorView& dx = a.grad_in[0];
  if (dx.present() && dx.numel() > 0) {
    if (via_conv3d) {  // conv3d's forward of dy is dx
      const TensorView in[2] = {dy, w};
      const TensorView out[1] = {dx};
      conv3d_forward(conv_params(p), OpArgs{in, out, a.ws});
    } else {
      direct_bwd_data<<<blocks_for(dx.numel()), kThreads>>>(G, dy.data, w.data, dx.data, dx.numel());
      check_launch("conv_transpose3d (backward-data)");
    }
  }
  const TensorView& dw = a.grad_in[1];
  if (dw.present() && dw.numel() > 0) {
    if (via_conv3d) {  // conv3d's weight gradient with dy as its input and x as its output gradient
      const TensorView in[2] = {dy, w};
      const TensorView out[1] = {x};
      const TensorView grad_in[2] = {TensorView{nullptr, dy.shape}, dw};
      conv3d_backward(conv_params(p), OpGradArgs{in, out, out, grad_in, a.ws});
    } else {
      direct_bwd_weight<<<blocks_for(dw.numel()), kThreads>>>(G, x.data, dy.data, dw.data, dw.numel());
      check_launch("conv_transpose3d (backward-weight)");
    }
  }
  if (a.grad_in.size() > 2 && a.grad_in[2].present() && G.C > 0) {
    if (G.C > 0x7fffffff) fail(ErrorKind::Range, "conv_transpose3d", "too many channels for one CUDA grid: " + std::to_string(G.C));
    const bool vec4 = G.in_sp % 4 == 0 && reinterpret_cast<uintptr_t>(dy.data) % 16 == 0;
    channel_sums<<<static_cast<unsigned>(G.C), kSumThreads>>>(dy.data, a.grad_in[2].data, G.N, G.C, G.in_sp, vec4);
    check_launch("conv_transpose3d (bias gradient)");
  }
}

}  // namespace deepsc::cuda
