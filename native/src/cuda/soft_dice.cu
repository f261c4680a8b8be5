// soft_dice on the GPU: the CPU twin is src/cpu/soft_dice.cpp. Per sample, the two sums
// (sum p t m, sum (p + t) m) are cut into chunks of kDiceChunk elements; one block sums each
// chunk in double (fixed tree, reduce.cuh), then one block adds each sample's chunks in order
// (one thread per sample) and finishes: the loss (forward) or each sample's gradient
// coefficients (backward), from which one thread per element writes dp = m (c0 t + c1) with
// the CPU's double expression. No atomics. Scratch (op_scratch.cuh): [2 x N chunks partials
// | 2 x N sample sums or coefficients] (doubles).
#include "cpu/optional_input.h"
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/op_scratch.cuh"
#include "cuda/reduce.cuh"

namespace deepsc::cuda {

namespace {

constexpr const char* kOp = "soft_dice";
constexpr int64_t kDiceChunk = 8192;
constexpr int kDiceThreads = 256;  // a multiple of 32, as block_sum needs

struct Dice {
  int64_t n = 0, per_sample = 0, s = 0;  ///< samples, elements per sample, positions per channel
  int64_t chunks = 1;                    ///< chunks per sample
  bool mask_per_position = false;        ///< mask is [N, 1, ...] (broadcast over C)
  const float* p = nullptr;
  const float* t = nullptr;
  const float* m = nullptr;
  __device__ double weight(int64_t sample, int64_t e) const {
    if (!m) return 1.0;
    return m[mask_per_position ? sample * s + e % s : sample * per_sample + e];
  }
};

Dice make_dice(std::span<const TensorView> in) {
  const Shape& p = in[0].shape;
  Dice d;
  d.n = p[0];
  d.per_sample = p.size() / p[0];
  d.s = p.size() / (p[0] * p[1]);
  d.chunks = (d.per_sample + kDiceChunk - 1) / kDiceChunk;
  d.p = in[0].data;
  d.t = in[1].data;
  d.m = cpu::optional_input(in, 2, kOp, "mask");
  d.mask_per_position = d.m && in[2].shape[1] == 1 && p[1] != 1;
  return d;
}

// Block b = (sample, chunk): {sum w p t, sum w (p + t)} into part[2b], part[2b + 1].
__global__ void dice_partials(Dice d, double* __restrict__ part) {
  __shared__ double scratch[32];
  const int64_t b = blockIdx.x, sample = b / d.chunks;
  const int64_t begin = (b % d.chunks) * kDiceChunk;
  const int64_t end = begin + kDiceChunk < d.per_sample ? begin + kDiceChunk : d.per_sample;
  const float* pn = d.p + sample * d.per_sample;
  const float* tn = d.t + sample * d.per_sample;
  double inter = 0, total = 0;
  for (int64_t e = begin + threadIdx.x; e < end; e += blockDim.x) {
    const double w = d.weight(sample, e);
    inter += w * pn[e] * tn[e];
    total += w * (static_cast<double>(pn[e]) + tn[e]);
  }
  inter = block_sum(inter, scratch);
  total = block_sum(total, scratch);
  if (threadIdx.x == 0) {
    part[2 * b] = inter;
    part[2 * b + 1] = total;
  }
}

// One block: sample sums (chunks in order, one thread per sample) into sums[2n], sums[2n + 1];
// then either the loss (out != null) or the per-sample coefficients dp = m (c0 t + c1) into
// sums (g != null), as the CPU.
__global__ void dice_finish(Dice d, double smooth, const double* __restrict__ part, double* __restrict__ sums,
                            float* __restrict__ out, const float* __restrict__ g) {
  for (int64_t n = threadIdx.x; n < d.n; n += blockDim.x) {
    double inter = 0, total = 0;
    for (int64_t k = 0; k < d.chunks; ++k) {
      inter += part[2 * (n * d.chunks + k)];
      total += part[2 * (n * d.chunks + k) + 1];
    }
    if (g) {
      const double den = total + smooth, scale = -static_cast<double>(g[0]) / static_cast<double>(d.n) / (den * den);
      sums[2 * n] = scale * 2 * den;
      sums[2 * n + 1] = -scale * (2 * inter + smooth);
    } else {
      sums[2 * n] = inter;
      sums[2 * n + 1] = total;
    }
  }
  if (!out) return;
  __syncthreads();  // thread 0 reads every sample's sums
  if (threadIdx.x == 0) {
    double dice = 0;
    for (int64_t n = 0; n < d.n; ++n) dice += (2 * sums[2 * n] + smooth) / (sums[2 * n + 1] + smooth);
    out[0] = static_cast<float>(1.0 - dice / static_cast<double>(d.n));
  }
}

__global__ void dice_grad(Dice d, const double* __restrict__ coef, float* __restrict__ dp) {
  DEEPSC_GRID_STRIDE(i, d.n * d.per_sample) {
    const int64_t n = i / d.per_sample;
    const double w = d.weight(n, i - n * d.per_sample);
    dp[i] = static_cast<float>(w * (coef[2 * n] * d.t[i] + coef[2 * n + 1]));
  }
}

}  // namespace

void soft_dice_forward(const SoftDiceParams& prm, const OpArgs& a) {
  const Dice d = make_dice(a.in);
  if (d.n * d.per_sample == 0) return;  // infer() rejects empty p
  ScratchPlan plan;
  const int64_t o_part = plan.add<double>(2 * d.n * d.chunks), o_sums = plan.add<double>(2 * d.n);
  OpScratch s(plan, kOp);
  dice_partials<<<static_cast<unsigned>(d.n * d.chunks), kDiceThreads>>>(d, s.at<double>(o_part));
  check_op_launch(kOp, "partial sums");
  dice_finish<<<1, kDiceThreads>>>(d, prm.smooth, s.at<double>(o_part), s.at<double>(o_sums), a.out[0].data, nullptr);
  check_op_launch(kOp, "loss");
}

void soft_dice_backward(const SoftDiceParams& prm, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  const Dice d = make_dice(a.in);
  if (d.n * d.per_sample == 0) return;
  ScratchPlan plan;
  const int64_t o_part = plan.add<double>(2 * d.n * d.chunks), o_coef = plan.add<double>(2 * d.n);
  OpScratch s(plan, kOp);
  dice_partials<<<static_cast<unsigned>(d.n * d.chunks), kDiceThreads>>>(d, s.at<double>(o_part));
  check_op_launch(kOp, "partial sums");
  dice_finish<<<1, kDiceThreads>>>(d, prm.smooth, s.at<double>(o_part), s.at<double>(o_coef), nullptr,
                                   a.grad_out[0].data);
  check_op_launch(kOp, "gradient coefficients");
  dice_grad<<<blocks_for(d.n * d.per_sample), kThreads>>>(d, s.at<double>(o_coef), a.grad_in[0].data);
  check_op_launch(kOp, "gradient");
}

}  // namespace deepsc::cuda
