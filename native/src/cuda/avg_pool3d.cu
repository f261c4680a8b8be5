// avg_pool3d on the GPU: the CPU twin is src/cpu/avg_pool3d.cpp. The divisor is PyTorch's
// (the window clipped to the padded input, with count_include_pad, else to the real input;
// the product of the three axes' factors; an output with divisor 0 is 0). Forward: one thread
// per output sums its window's real voxels in (kd, kh, kw) order, as the CPU does. Backward is
// a gather, one thread per input voxel, adding each covering output's share g / divisor in the
// order the CPU's scatter adds them. Deterministic, no atomics. The per-element work is in
// pool3d.cuh.
// Wide windows (more than kWideTaps taps; the model's global average pool is avg_pool3d over
// the whole volume) would leave one thread summing thousands of voxels: there, one block per
// output sums the window instead, its taps dealt to the threads in flat (kd, kh, kw) order
// (consecutive threads read consecutive voxels), double partials combined by reduce.cuh's
// fixed tree. A different order than the CPU's float loop, within the table's tolerance.
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/pool3d.cuh"
#include "cuda/reduce.cuh"
#include "cuda/vector_ops.h"

namespace deepsc::cuda {

namespace {

__global__ void avg_pool_fwd(pool3d::Geo g, bool include_pad, const float* __restrict__ x, float* __restrict__ y,
                             int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[i] = pool3d::avg_pool_out(g, include_pad, x, i);
}

constexpr int64_t kWideTaps = 64;
constexpr int kWideThreads = 256;

// One block per output (grid-stride over outputs); taps < 2^31, so 32-bit tap decoding.
__global__ void __launch_bounds__(kWideThreads)
    avg_pool_fwd_wide(pool3d::Geo g, bool include_pad, const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  __shared__ double scratch[32];
  const uint32_t k1 = static_cast<uint32_t>(g.k[1]), k2 = static_cast<uint32_t>(g.k[2]);
  const uint32_t taps = static_cast<uint32_t>(g.k[0]) * k1 * k2;
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    int64_t o[3];
    const int64_t plane = pool3d::split_index(i, g.out, o);
    const float* xp = x + plane * g.in_sp;
    double acc = 0;
    for (uint32_t t = threadIdx.x; t < taps; t += blockDim.x) {
      const uint32_t row = t / k2, kw = t - row * k2, kd = row / k1, kh = row - kd * k1;
      const int64_t id = pool3d::tap_input(g, 0, o[0], kd), ih = pool3d::tap_input(g, 1, o[1], kh),
                    iw = pool3d::tap_input(g, 2, o[2], kw);
      if (id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1] && iw >= 0 && iw < g.in[2])
        acc += xp[(id * g.in[1] + ih) * g.in[2] + iw];
    }
    acc = block_sum(acc, scratch);
    if (threadIdx.x == 0) {
      const float d = pool3d::divisor(g, o, include_pad);
      y[i] = d > 0.f ? static_cast<float>(acc) / d : 0.f;
    }
  }
}

__global__ void avg_pool_bwd(pool3d::Geo g, bool include_pad, const float* __restrict__ gy, float* __restrict__ dx,
                             int64_t n) {
  DEEPSC_GRID_STRIDE(j, n) dx[j] = pool3d::avg_pool_grad(g, include_pad, gy, j);
}

}  // namespace

void avg_pool3d_forward(const AvgPool3dParams& p, const OpArgs& a) {
  const int64_t n = a.out[0].numel();
  if (n == 0) return;
  const pool3d::Geo g = pool3d::make_geo(p.window, a.in[0].shape, a.out[0].shape);
  const int64_t taps = g.k[0] * g.k[1] * g.k[2];
  if (taps > kWideTaps && taps <= 0x7fffffffLL) {
    const unsigned blocks = static_cast<unsigned>(n < 65535 * 8 ? n : 65535 * 8);
    avg_pool_fwd_wide<<<blocks, kWideThreads>>>(g, p.count_include_pad, a.in[0].data, a.out[0].data, n);
  } else {
    avg_pool_fwd<<<blocks_for(n), kThreads>>>(g, p.count_include_pad, a.in[0].data, a.out[0].data, n);
  }
  check_launch("avg_pool3d");
}

void avg_pool3d_backward(const AvgPool3dParams& p, const OpGradArgs& a) {
  const TensorView& dx = a.grad_in[0];
  const int64_t n = a.in[0].numel();
  if (!dx.present() || n == 0) return;
  const pool3d::Geo g = pool3d::make_geo(p.window, a.in[0].shape, a.out[0].shape);
  if (g.out_sp == 0) return fill_zero(dx.data, n);
  avg_pool_bwd<<<blocks_for(n), kThreads>>>(g, p.count_include_pad, a.grad_out[0].data, dx.data, n);
  check_launch("avg_pool3d (backward)");
}

}  // namespace deepsc::cuda
