// mse on the GPU: the CPU twin is src/cpu/mse.cpp. The sums {sum w (a - b)^2, sum w} are in
// double over a fixed grid and a fixed tree (loss_reduce.cuh), no atomics; the gradient
// 2 w (a - b) / sum w uses the CPU's float expression (no FMA contraction), exact zeros when
// sum w = 0. Scratch (op_scratch.cuh): [K x blocks partials | the denominator] (doubles).
#include "cpu/optional_input.h"
#include "cuda/elementwise.cuh"
#include "cuda/loss_reduce.cuh"
#include "cuda/op_api.h"
#include "cuda/op_scratch.cuh"

namespace deepsc::cuda {

namespace {

constexpr const char* kOp = "mse";

// K = 2: {sum w (a - b)^2, sum w} (w = 1 when absent).
__global__ void mse_partials(int64_t n, const float* __restrict__ a, const float* __restrict__ b,
                             const float* __restrict__ w, double* __restrict__ part) {
  double acc[2] = {0, 0};
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const double d = static_cast<double>(a[i]) - b[i];
    if (w) {
      acc[0] += w[i] * d * d;
      acc[1] += w[i];
    } else {
      acc[0] += d * d;
    }
  }
  store_block_partials<2>(acc, kNoBad, part, nullptr);
}

// Without a weight the denominator is the element count, not the partials' second sum.
struct WriteMse {
  float* out;
  double den;  ///< < 0: use the summed weights
  __device__ void operator()(const double* t) const {
    const double d = den < 0 ? t[1] : den;
    out[0] = d != 0 ? static_cast<float>(t[0] / d) : 0.f;
  }
};

struct WriteDen {
  double* den;
  __device__ void operator()(const double* t) const { den[0] = t[1]; }
};

// da = k w (a - b), db = -da with k = 2 g / den rounded to float, as the CPU; zeros when den = 0.
__global__ void mse_grad(int64_t n, const float* __restrict__ a, const float* __restrict__ b,
                         const float* __restrict__ w, const float* __restrict__ g, const double* __restrict__ den_ptr,
                         double den_value, float* __restrict__ da, float* __restrict__ db) {
  const double den = den_ptr ? den_ptr[0] : den_value;
  const float k = den != 0 ? static_cast<float>(2.0 * static_cast<double>(g[0]) / den) : 0.f;
  DEEPSC_GRID_STRIDE(i, n) {
    const float v = den != 0 ? __fmul_rn(__fmul_rn(k, w ? w[i] : 1.f), __fsub_rn(a[i], b[i])) : 0.f;
    if (da) da[i] = v;
    if (db) db[i] = den != 0 ? -v : 0.f;
  }
}

}  // namespace

void mse_forward(const MseParams&, const OpArgs& args) {
  const float* w = cpu::optional_input(args.in, 2, kOp, "weight");
  const int64_t n = args.in[0].numel();
  const unsigned blocks = loss_blocks(n);
  ScratchPlan plan;
  const int64_t o_part = plan.add<double>(2 * static_cast<int64_t>(blocks));
  OpScratch s(plan, kOp);
  mse_partials<<<blocks, kLossThreads>>>(n, args.in[0].data, args.in[1].data, w, s.at<double>(o_part));
  check_op_launch(kOp, "partial sums");
  finish_partials<2><<<1, kLossThreads>>>(s.at<double>(o_part), nullptr, static_cast<int>(blocks), nullptr,
                                          WriteMse{args.out[0].data, w ? -1.0 : static_cast<double>(n)});
  check_op_launch(kOp, "loss");
}

void mse_backward(const MseParams&, const OpGradArgs& args) {
  const TensorView &da = args.grad_in[0], &db = args.grad_in[1];
  if (!da.present() && !db.present()) return;
  const float* w = cpu::optional_input(args.in, 2, kOp, "weight");
  const int64_t n = args.in[0].numel();
  if (n == 0) return;
  const float *a = args.in[0].data, *b = args.in[1].data, *g = args.grad_out[0].data;
  if (!w) {
    mse_grad<<<blocks_for(n), kThreads>>>(n, a, b, nullptr, g, nullptr, static_cast<double>(n), da.data, db.data);
    check_op_launch(kOp, "gradient");
    return;
  }
  const unsigned blocks = loss_blocks(n);
  ScratchPlan plan;
  const int64_t o_part = plan.add<double>(2 * static_cast<int64_t>(blocks)), o_den = plan.add<double>(1);
  OpScratch s(plan, kOp);
  mse_partials<<<blocks, kLossThreads>>>(n, a, b, w, s.at<double>(o_part));
  check_op_launch(kOp, "partial sums");
  finish_partials<2><<<1, kLossThreads>>>(s.at<double>(o_part), nullptr, static_cast<int>(blocks), nullptr,
                                          WriteDen{s.at<double>(o_den)});
  check_op_launch(kOp, "denominator");
  mse_grad<<<blocks_for(n), kThreads>>>(n, a, b, w, g, s.at<double>(o_den), 0.0, da.data, db.data);
  check_op_launch(kOp, "gradient");
}

}  // namespace deepsc::cuda
