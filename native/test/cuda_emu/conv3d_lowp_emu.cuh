#pragma once
// Host emulation of conv3d's TF32 / bf16 tensor-core kernels (src/cuda/conv3d_lowp.cuh), shared
// by the host check (conv3d_lowp.cu here) and the GPU check (gpu/conv3d_lowp_gpu.cu), plus a
// float64 reference with each output's sum of |products| (the scale of its error bound).
//
// The emulation runs the kernel's own code: fast::make_block, the phases (phase_init,
// phase_rows, phase_first, phase_step_pre / _post, phase_store) for every block and thread in
// the kernel's order, the lanes' fragment loads (lowp::load_a / load_b: the same rounding
// points, through deepsc/precision.h's host path) and split_sum's per-thread functions. Only
// the mma instruction itself is modelled: each m16n8k8 tile's lanes' registers are decoded
// and placed at the fragment coordinates (lowp::frag_a / frag_b), and each accumulator d
// becomes d + sum_k a[row][k] b[k][col] with the products exact and one rounding to fp32 at the
// end. The tensor cores add the same exact products, but not with one correctly rounded sum
// (they align and truncate the addends), so a GPU's result may differ from the emulation's in
// the last bits of each mma: the GPU check compares within that bound, not bitwise.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "cuda/conv3d_lowp.cuh"
#include "cuda/conv3d_lowp.h"
#include "cuda/conv3d_plan.cuh"
#include "cuda/conv3d_reduce.cuh"

namespace deepsc::cuda::conv3d::emu {

/// The lanes' operand registers decoded back to floats.
inline float tf32_reg(uint32_t r) {
  float f;
  std::memcpy(&f, &r, sizeof f);
  return f;
}

/// lowp::mac_lowp for warp `warp` of the block: for each of its MMA tiles the lanes' registers
/// (loaded by the kernel's own load_a / load_b) placed at their coordinates, then one
/// emulated mma per tile.
template <class T>
void mac_lowp_emulated(int warp, const fast::Smem<T>& sm, int buf, fast::ThreadState<T>* lanes) {
  constexpr Precision Pr = T::kPrecision;
  const lowp::RC w = lowp::warp_origin<T>(warp);
  const int m0 = w.row, n0 = w.col;
  for (int mi = 0; mi < T::MI; ++mi)
    for (int ni = 0; ni < T::NI; ++ni) {
      float a[16][8], b[8][8];
      for (auto& row : a)
        for (float& v : row) v = NAN;  // a coordinate no lane covers poisons the sum
      for (auto& row : b)
        for (float& v : row) v = NAN;
      for (int lane = 0; lane < 32; ++lane) {
        uint32_t ra[lowp::Regs<Pr>::A], rb[lowp::Regs<Pr>::B];
        lowp::load_a<T>(sm, buf, m0, mi, lane, ra);
        lowp::load_b<T>(sm, buf, n0, ni, lane, rb);
        for (int i = 0; i < 4; ++i) {
          const lowp::RC p = lowp::frag_a<Pr>(lane, i);
          a[p.row][p.col] = Pr == Precision::tf32 ? tf32_reg(ra[i])
                                                  : bf16_value(static_cast<uint16_t>(ra[i / 2] >> (16 * (i % 2))));
        }
        for (int i = 0; i < 2; ++i) {
          const lowp::RC p = lowp::frag_b<Pr>(lane, i);
          b[p.row][p.col] = Pr == Precision::tf32 ? tf32_reg(rb[i]) : bf16_value(static_cast<uint16_t>(rb[0] >> (16 * i)));
        }
      }
      for (int lane = 0; lane < 32; ++lane)
        for (int r = 0; r < 4; ++r) {
          float& d = lanes[lane].acc[mi * T::NI + ni][r];
          double sum = d;  // products of <= 24-bit significands: exact in double
          for (int k = 0; k < 8; ++k)
            sum += static_cast<double>(a[fast::d_row(lane, r)][k]) * static_cast<double>(b[k][fast::d_col(lane, r)]);
          d = static_cast<float>(sum);
        }
    }
}

/// lowp::kernel for every block of plan pl, threads (and warps) in ascending or descending
/// order between barriers (a thread reading what another writes in the same interval would
/// make the two orders differ).
template <int P, class T>
void kernel_emulated(const Plan& pl, const float* A, const float* B, const float* bias, float* out, float* scratch,
                     bool reverse) {
  auto sm = std::make_unique<fast::Smem<T>>();
  std::vector<fast::ThreadState<T>> th(T::NT);
  std::vector<int4> table(static_cast<size_t>(fast::taps_bytes(pl.geo.taps)) / sizeof(int4) + 1);
  const fast::Taps taps{table.data(), reinterpret_cast<int*>(table.data() + pl.geo.taps)};
  auto each = [&](auto&& fn) {
    for (int i = 0; i < T::NT; ++i) fn(reverse ? T::NT - 1 - i : i);
  };
  for (int64_t bz = 0; bz < pl.grid[2]; ++bz)
    for (int64_t by = 0; by < pl.grid[1]; ++by)
      for (int64_t bx = 0; bx < pl.grid[0]; ++bx) {
        std::memset(sm.get(), 0xff, sizeof(fast::Smem<T>));  // stale shared memory reads as NaN
        std::memset(table.data(), 0xff, table.size() * sizeof(int4));
        const fast::Block b = fast::make_block<P, T>(pl.geo, static_cast<unsigned>(bx), static_cast<unsigned>(by),
                                                     static_cast<unsigned>(bz));
        if (b.n0 >= b.NC) continue;
        each([&](int t) { fast::phase_init<P, T>(pl.geo, b, taps, t, th[t]); });
        if (b.step_begin < b.step_end) {
          each([&](int t) { fast::phase_rows<P, T>(pl.geo, b, taps, t, *sm); });
          each([&](int t) { fast::phase_first<P, T>(pl.geo, b, taps, A, B, t, *sm, th[t]); });
          for (int s = b.step_begin; s < b.step_end; ++s) {
            each([&](int t) { fast::phase_step_pre<P, T>(pl.geo, b, taps, A, B, s, t, *sm, th[t]); });
            for (int i = 0; i < T::NT / 32; ++i) {
              const int w = reverse ? T::NT / 32 - 1 - i : i;
              mac_lowp_emulated<T>(w, *sm, (s - b.step_begin) & 1, &th[w * 32]);
            }
            each([&](int t) { fast::phase_step_post<T>(b, s, t, *sm, th[t]); });
          }
        }
        each([&](int t) { fast::phase_store<P, T>(pl.geo, b, bias, out, scratch, t, th[t]); });
      }
}

/// A pass as the engine runs it with launch_lowp: the kernel into out (one split) or into
/// the scratch, then split_sum's per-thread functions in its order.
template <int P, Precision Pr>
void pass_emulated(const Plan& pl, const Dims& D, const float* A, const float* B, const float* bias, float* out,
                   bool reverse) {
  std::vector<float> scratch(static_cast<size_t>(pl.scratch_floats), NAN);
  const float* kb = pl.geo.splits > 1 ? nullptr : bias;
  switch (pl.tile) {
    case Tile::t128:
      kernel_emulated<P, lowp::Tiling<fast::T128Tc, Pr>>(pl, A, B, kb, out, scratch.data(), reverse);
      break;
    case Tile::t64: kernel_emulated<P, lowp::Tiling<fast::T64Tc, Pr>>(pl, A, B, kb, out, scratch.data(), reverse); break;
    case Tile::t32: kernel_emulated<P, lowp::Tiling<fast::T32Tc, Pr>>(pl, A, B, kb, out, scratch.data(), reverse); break;
    default: return;  // not a tensor-core plan (lowp_takes): the caller checks first
  }
  if (pl.geo.splits > 1) {
    const int ny = split_sum_rows(pl.geo.splits);
    std::vector<double> shares(static_cast<size_t>(ny));
    for (int64_t i = 0; i < pl.geo.total; ++i) {
      for (int y = 0; y < ny; ++y) shares[y] = split_sum_part(scratch.data(), pl.geo.splits, pl.geo.total, ny, y, i);
      out[i] = split_sum_finish(shares.data(), ny, 1, P == kFwd ? bias : nullptr, D.out_sp, D.K, i);
    }
  }
}

template <int P>
void pass_emulated(Precision pr, const Plan& pl, const Dims& D, const float* A, const float* B, const float* bias,
                   float* out, bool reverse) {
  if (pr == Precision::tf32) pass_emulated<P, Precision::tf32>(pl, D, A, B, bias, out, reverse);
  else pass_emulated<P, Precision::bf16>(pl, D, A, B, bias, out, reverse);
}

/// A convolution's shapes: batch, channels, output channels, input extents, kernel, stride,
/// padding, dilation, groups.
struct Case {
  int N, C, K;
  int64_t in[3], k[3], s[3], p[3], d[3];
  int G;
};

/// Random fp32 operands of a case and the float64 results of the three passes, each with
/// the sum over its reduction of |product| (bias included in y's), the scale of its error.
struct Data {
  Dims D;
  int64_t groups;
  std::vector<float> x, w, b, dy;
  std::vector<double> y, dx, dw, y_abs, dx_abs, dw_abs;
};

inline Data make_data(const Case& c, uint32_t seed = 1) {
  ConvGeometry geo;
  geo.N = c.N, geo.C = c.C, geo.K = c.K, geo.groups = c.G;
  for (int a = 0; a < 3; ++a) {
    geo.in[a] = c.in[a], geo.k[a] = c.k[a], geo.s[a] = c.s[a], geo.p[a] = c.p[a], geo.d[a] = c.d[a];
    geo.out[a] = (c.in[a] + 2 * c.p[a] - c.d[a] * (c.k[a] - 1) - 1) / c.s[a] + 1;
  }
  Data r;
  r.D = make_dims(geo);
  r.groups = c.G;
  const Dims& D = r.D;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  r.x.resize(D.N * D.C * D.in_sp), r.w.resize(D.K * D.Cg * D.kvol), r.b.resize(D.K), r.dy.resize(D.N * D.K * D.out_sp);
  for (auto* v : {&r.x, &r.w, &r.b, &r.dy})
    for (float& e : *v) e = u(rng);
  r.y.assign(r.dy.size(), 0), r.dx.assign(r.x.size(), 0), r.dw.assign(r.w.size(), 0);
  r.y_abs.assign(r.dy.size(), 0), r.dx_abs.assign(r.x.size(), 0), r.dw_abs.assign(r.w.size(), 0);
  for (int64_t n = 0; n < D.N; ++n)
    for (int64_t kk = 0; kk < D.K; ++kk) {
      const int64_t g = kk / D.Kg;
      for (int64_t o = 0; o < D.out_sp; ++o) {
        const int64_t oc[3] = {o / (D.out[1] * D.out[2]), (o / D.out[2]) % D.out[1], o % D.out[2]};
        const int64_t yi = (n * D.K + kk) * D.out_sp + o;
        double acc = r.b[kk], acc_abs = std::fabs(r.b[kk]);
        for (int64_t cl = 0; cl < D.Cg; ++cl)
          for (int64_t t = 0; t < D.kvol; ++t) {
            const int64_t tc[3] = {t / (D.k[1] * D.k[2]), (t / D.k[2]) % D.k[1], t % D.k[2]};
            int64_t off = 0;
            bool ok = true;
            for (int a = 0; a < 3; ++a) {
              const int64_t i = oc[a] * D.s[a] - D.p[a] + tc[a] * D.d[a];
              ok = ok && i >= 0 && i < D.in[a];
              off = off * D.in[a] + i;
            }
            if (!ok) continue;
            const int64_t xi = (n * D.C + g * D.Cg + cl) * D.in_sp + off, wi = (kk * D.Cg + cl) * D.kvol + t;
            const double wv = r.w[wi], xv = r.x[xi], dyv = r.dy[yi];
            acc += wv * xv, acc_abs += std::fabs(wv * xv);
            r.dx[xi] += wv * dyv, r.dx_abs[xi] += std::fabs(wv * dyv);
            r.dw[wi] += dyv * xv, r.dw_abs[wi] += std::fabs(dyv * xv);
          }
        r.y[yi] = acc, r.y_abs[yi] = acc_abs;
      }
    }
  return r;
}

/// Pass P's GEMM operands and reference in `r`: A, B, the float64 result and its |product| sums.
template <int P>
struct Operands {
  const std::vector<float>& A;
  const std::vector<float>& B;
  const std::vector<double>& want;
  const std::vector<double>& scale;
};
template <int P>
Operands<P> operands(const Data& r) {
  if constexpr (P == kFwd) return {r.w, r.x, r.y, r.y_abs};
  else if constexpr (P == kBwdData) return {r.w, r.dy, r.dx, r.dx_abs};
  else return {r.dy, r.x, r.dw, r.dw_abs};
}

/// The reduction length of pass P (rows of its GEMM; backward-data's largest class has at most this).
template <int P>
int64_t reduction(const Dims& D) {
  return P == kFwd ? D.Cg * D.kvol : P == kBwdData ? D.Kg * D.kvol : D.N * D.out_sp;
}

/// The error one mma step may add on a GPU, relative to S: the tensor cores align the step's
/// nine addends (eight exact products and the accumulator) to the largest and truncate, up to
/// an fp32 ulp (2^-23 of a magnitude <= S) each, nine in all: 9 2^-23 < 2^-19.
constexpr double kTensorCoreStepError = 0x1p-19;

/// The error bound of one output of pass P in precision pr, relative to its |product| sum S:
/// |got - exact| <= rel S. The two roundings of a product's operands give (1 + u)^2 - 1; each
/// of the ceil(R / 8) mma steps adds at most `per_step` S (the emulation: one fp32 rounding,
/// 2^-24 of a partial sum <= S; a GPU: kTensorCoreStepError), and the split sum and the bias
/// one rounding each (counted as two more steps).
inline double error_bound(Precision pr, int64_t R, double per_step = 0x1p-24) {
  const double u = operand_roundoff(pr);
  return (1 + u) * (1 + u) - 1 + static_cast<double>((R + 7) / 8 + 2) * per_step;
}

}  // namespace deepsc::cuda::conv3d::emu
