// The class-index losses (cross_entropy, focal) on the GPU: the CPU twin is
// src/cpu/class_loss.h, term for term: per position the log-softmax normaliser (max, then
// log sum exp in double), lp = log p of the target class, the focal modulation (gamma = 0 is
// cross-entropy), numerator and denominator summed in double (loss_reduce.cuh), L = num / den
// or 0. Backward sums the denominator the same way, then one thread per position writes
// dx = coef (softmax - onehot) over its channels with the CPU's expressions.
//
// Validation as the CPU: a negative or non-finite mask, or a target at an unmasked position
// that is not an integer in [0, C), is a RangeError naming the first such position and its
// value. The pass that sums also finds that position (invalid positions add nothing, so no
// out-of-range read happens); the host reads it back (one 8-byte copy, which waits for the
// kernels: one synchronisation per loss call) and throws.
//
// Scratch (op_scratch.cuh): [C class weights (double) | K x blocks partials (double) | blocks
// first-bad positions | totals and the bad position].
#include <cmath>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "cpu/optional_input.h"
#include "cuda/channel_positions.cuh"
#include "cuda/class_loss.h"
#include "cuda/elementwise.cuh"
#include "cuda/loss_reduce.cuh"
#include "cuda/op_scratch.cuh"

namespace deepsc::cuda {

namespace {

struct ClassLoss {
  ChannelDims d;
  const float* x;
  const float* target;
  const float* mask;       ///< nullptr: every position weighs 1
  const double* weights;   ///< device; nullptr: every class weighs 1
  double gamma;
};

/// (1 - p)^gamma and the gradient factor (1 - p)^gamma - gamma (1 - p)^(gamma-1) p log p from
/// lp = log p, with 1 - p = -expm1(lp), as the CPU's focal_terms.
__device__ inline void focal_terms(double lp, double gamma, double* mod, double* factor) {
  if (gamma == 0) {
    *mod = *factor = 1;
    return;
  }
  const double q = -expm1(lp);
  const double m = pow(q, gamma);
  const double p = exp(lp);
  const double tail = q > 0 ? gamma * pow(q, gamma - 1) * p * lp : 0.0;
  *mod = m;
  *factor = m - tail;
}

/// The mask weight of position pos (as double), or -1 when the position is invalid (a bad
/// mask, or a bad target where the mask is not 0); *y gets the class when the weight is > 0.
__device__ inline double position_weight(const ClassLoss& a, int64_t pos, int64_t* y) {
  const float m = a.mask ? a.mask[pos] : 1.f;
  if (!(m >= 0.f) || !isfinite(m)) return -1;
  if (m == 0.f) return 0;
  const float t = a.target[pos];
  if (!(t >= 0.f && t < static_cast<float>(a.d.c) && t == floorf(t))) return -1;
  *y = static_cast<int64_t>(t);
  return m;
}

__device__ inline double class_weight(const ClassLoss& a, int64_t y) { return a.weights ? a.weights[y] : 1.0; }

// K = 2: {sum w m (-mod lp), sum w m} over valid positions.
__global__ void loss_partials(ClassLoss a, double* __restrict__ part, long long* __restrict__ bad) {
  double acc[2] = {0, 0};
  long long first_bad = kNoBad;
  const int64_t n = a.d.positions();
  for (int64_t pos = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; pos < n;
       pos += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t y = 0;
    const double m = position_weight(a, pos, &y);
    if (m < 0) {
      if (first_bad == kNoBad) first_bad = pos;
      continue;
    }
    if (m == 0) continue;
    const int64_t base = channel_base(a.d, pos);
    float mx;
    const double lsum = log_normaliser(a.x + base, a.d.c, a.d.s, &mx);
    const double lp = (static_cast<double>(a.x[base + y * a.d.s]) - mx) - lsum;
    double mod, factor;
    focal_terms(lp, a.gamma, &mod, &factor);
    const double wm = class_weight(a, y) * m;
    acc[0] += wm * (-mod * lp);
    acc[1] += wm;
  }
  store_block_partials<2>(acc, first_bad, part, bad);
}

// K = 1: {sum w m} over valid positions.
__global__ void den_partials(ClassLoss a, double* __restrict__ part, long long* __restrict__ bad) {
  double acc[1] = {0};
  long long first_bad = kNoBad;
  const int64_t n = a.d.positions();
  for (int64_t pos = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; pos < n;
       pos += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t y = 0;
    const double m = position_weight(a, pos, &y);
    if (m < 0) {
      if (first_bad == kNoBad) first_bad = pos;
      continue;
    }
    if (m != 0) acc[0] += class_weight(a, y) * m;
  }
  store_block_partials<1>(acc, first_bad, part, bad);
}

struct WriteLoss {
  float* out;
  __device__ void operator()(const double* t) const { out[0] = static_cast<float>(t[1] > 0 ? t[0] / t[1] : 0.0); }
};

struct WriteDen {
  double* den;
  __device__ void operator()(const double* t) const { den[0] = t[0]; }
};

// dx over the channels of each position: coef (softmax_c - [c = y]) with coef = g w m factor
// / den (0 where masked or when den is 0), as the CPU.
__global__ void loss_dx(ClassLoss a, const float* __restrict__ g, const double* __restrict__ den_ptr,
                        float* __restrict__ dx) {
  const double den = den_ptr[0];
  DEEPSC_GRID_STRIDE(pos, a.d.positions()) {
    const int64_t base = channel_base(a.d, pos);
    float mx;
    const double lsum = log_normaliser(a.x + base, a.d.c, a.d.s, &mx);
    int64_t y = 0, cls = -1;
    float coef = 0.f;
    const double m = position_weight(a, pos, &y);  // >= 0 here: the host checked every position
    if (m > 0 && den > 0) {
      const double lp = (static_cast<double>(a.x[base + y * a.d.s]) - mx) - lsum;
      double mod, factor;
      focal_terms(lp, a.gamma, &mod, &factor);
      cls = y;
      coef = static_cast<float>(static_cast<double>(g[0]) * class_weight(a, y) * m * factor / den);
    }
    for (int64_t c = 0; c < a.d.c; ++c) {
      const int64_t i = base + c * a.d.s;
      const float p = static_cast<float>(exp(static_cast<double>(__fsub_rn(a.x[i], mx)) - lsum));
      dx[i] = __fmul_rn(coef, __fsub_rn(p, cls == c ? 1.f : 0.f));
    }
  }
}

std::string format_value(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  return buf;
}

// Throws the CPU's error for the first invalid position, if there is one.
void raise_if_bad(const char* op, const ClassLoss& a, const long long* bad_dev) {
  long long bad = kNoBad;
  scratch_download(&bad, bad_dev, sizeof bad, op);
  if (bad == kNoBad) return;
  float m = 1.f;
  if (a.mask) scratch_download(&m, a.mask + bad, sizeof m, op);
  if (!(m >= 0.f) || !std::isfinite(m))
    fail(ErrorKind::Range, op, "mask[" + std::to_string(bad) + "] = " + format_value(m) + " must be finite and >= 0");
  float y = 0.f;
  scratch_download(&y, a.target + bad, sizeof y, op);
  fail(ErrorKind::Range, op,
       "target[" + std::to_string(bad) + "] = " + format_value(y) +
           " is not a class index (expected an integer in [0, " + std::to_string(a.d.c) + "))");
}

// The scratch regions of one call.
struct Regions {
  int64_t weights, part, bad, bad_out, den;
};

Regions plan_regions(ScratchPlan& plan, int64_t classes, unsigned blocks, int k) {
  Regions r;
  r.weights = plan.add<double>(classes);
  r.part = plan.add<double>(static_cast<int64_t>(k) * blocks);
  r.bad = plan.add<long long>(blocks);
  r.bad_out = plan.add<long long>(1);
  r.den = plan.add<double>(1);
  return r;
}

ClassLoss make_loss(const char* op, std::span<const TensorView> in, const std::vector<double>& weights, double gamma,
                    const OpScratch& s, const Regions& r) {
  const float* mask = cpu::optional_input(in, 2, op, "mask");
  ClassLoss a{channel_dims(in[0].shape), in[0].data, in[1].data, mask, nullptr, gamma};
  if (!weights.empty()) {
    double* w = s.at<double>(r.weights);
    scratch_upload(w, weights.data(), weights.size() * sizeof(double), op);
    a.weights = w;
  }
  return a;
}

}  // namespace

void class_loss_forward(const char* op, const OpArgs& args, const std::vector<double>& weights, double gamma) {
  cpu::optional_input(args.in, 2, op, "mask");  // before any device work
  const ChannelDims d = channel_dims(args.in[0].shape);
  const unsigned blocks = loss_blocks(d.positions());
  ScratchPlan plan;
  const Regions r = plan_regions(plan, static_cast<int64_t>(weights.size()), blocks, 2);
  OpScratch s(plan, op);
  const ClassLoss a = make_loss(op, args.in, weights, gamma, s, r);
  loss_partials<<<blocks, kLossThreads>>>(a, s.at<double>(r.part), s.at<long long>(r.bad));
  check_op_launch(op, "partial sums");
  finish_partials<2><<<1, kLossThreads>>>(s.at<double>(r.part), s.at<long long>(r.bad), static_cast<int>(blocks),
                                          s.at<long long>(r.bad_out), WriteLoss{args.out[0].data});
  check_op_launch(op, "final sum");
  raise_if_bad(op, a, s.at<long long>(r.bad_out));
}

void class_loss_backward(const char* op, const OpGradArgs& args, const std::vector<double>& weights, double gamma) {
  if (!args.grad_in[0].present()) return;
  cpu::optional_input(args.in, 2, op, "mask");
  const ChannelDims d = channel_dims(args.in[0].shape);
  const unsigned blocks = loss_blocks(d.positions());
  ScratchPlan plan;
  const Regions r = plan_regions(plan, static_cast<int64_t>(weights.size()), blocks, 1);
  OpScratch s(plan, op);
  const ClassLoss a = make_loss(op, args.in, weights, gamma, s, r);
  den_partials<<<blocks, kLossThreads>>>(a, s.at<double>(r.part), s.at<long long>(r.bad));
  check_op_launch(op, "denominator partial sums");
  finish_partials<1><<<1, kLossThreads>>>(s.at<double>(r.part), s.at<long long>(r.bad), static_cast<int>(blocks),
                                          s.at<long long>(r.bad_out), WriteDen{s.at<double>(r.den)});
  check_op_launch(op, "denominator");
  raise_if_bad(op, a, s.at<long long>(r.bad_out));
  if (d.positions() == 0) return;
  loss_dx<<<blocks_for(d.positions()), kThreads>>>(a, args.grad_out[0].data, s.at<double>(r.den),
                                                   args.grad_in[0].data);
  check_op_launch(op, "input gradient");
}

}  // namespace deepsc::cuda
