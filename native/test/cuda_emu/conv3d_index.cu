// Host emulation of conv3d's CUDA kernels (src/cuda/conv3d_*.cuh) against a naive float64
// direct convolution, for all three passes. The fast kernel's phases (phase_init, phase_rows,
// phase_first, phase_step, phase_store) run for every block and thread in the kernel's order,
// once with the threads in ascending and once in descending order between barriers (a thread
// reading shared memory that another writes in the same interval would make the two differ),
// for every tiling (each with the FFMA multiply and, where it has one, the 3xTF32 tensor-core
// multiply, emulated per warp from the lanes' fragments) and split count (1, 3, 70: more
// splits than some reductions have steps), and the split sums through split_sum's per-thread
// functions. Outputs start as NaN, so an element no thread writes fails. The simple
// (fallback) kernel runs too. Checks the indexing, tiling and barrier placement, not launches
// or the GPU's memory model. Runs without a GPU: native/test/cuda_emu/run.sh.
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "cuda/conv3d_plan.cuh"
#include "cuda/conv3d_reduce.cuh"
#include "cuda/conv3d_simple.cuh"

using namespace deepsc;
using namespace deepsc::cuda::conv3d;

namespace {

// mac_tc for warp `warp`: its lanes' fragments placed at the PTX ISA's fragment coordinates
// (a_row / a_col, b_row / b_col), the three TF32 products of each m16n8k8 tile added in the
// kernel's order, the result scattered back to the lanes by d_row / d_col.
template <class T>
void mac_tc_emulated(int warp, const fast::Smem<T>& sm, int buf, fast::ThreadState<T>* lanes) {
  using namespace fast;
  const int m0 = (warp / T::WGN) * T::WM, n0 = (warp % T::WGN) * T::WN;
  for (int mi = 0; mi < T::MI; ++mi)
    for (int ni = 0; ni < T::NI; ++ni) {
      float ab[16][8], as[16][8], bb[8][8], bs[8][8];
      for (int lane = 0; lane < 32; ++lane) {
        for (int r = 0; r < 4; ++r) {
          uint32_t big, small;
          split_tf32(sm.As[buf][a_col(lane, r)][m0 + mi * 16 + a_row(lane, r)], big, small);
          ab[a_row(lane, r)][a_col(lane, r)] = tf32_value(big), as[a_row(lane, r)][a_col(lane, r)] = tf32_value(small);
        }
        for (int r = 0; r < 2; ++r) {
          uint32_t big, small;
          split_tf32(sm.Bs[buf][b_row(lane, r)][n0 + ni * 8 + b_col(lane, r)], big, small);
          bb[b_row(lane, r)][b_col(lane, r)] = tf32_value(big), bs[b_row(lane, r)][b_col(lane, r)] = tf32_value(small);
        }
      }
      const float(*pa[3])[8] = {as, ab, ab};
      const float(*pb[3])[8] = {bb, bs, bb};
      for (int q = 0; q < 3; ++q)
        for (int lane = 0; lane < 32; ++lane)
          for (int r = 0; r < 4; ++r) {
            float sum = 0.f;
            for (int k = 0; k < 8; ++k) sum += pa[q][d_row(lane, r)][k] * pb[q][k][d_col(lane, r)];
            lanes[lane].acc[mi * T::NI + ni][r] += sum;
          }
    }
}

template <int P, class T>
void emu_fast_kernel(const Plan& pl, const float* A, const float* B, const float* bias, float* out, float* scratch,
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
        const fast::Block b = fast::make_block<P, T>(pl.geo, bx, by, bz);
        if (b.n0 >= b.NC) continue;
        each([&](int t) { fast::phase_init<P, T>(pl.geo, b, taps, t, th[t]); });
        if (b.step_begin < b.step_end) {
          each([&](int t) { fast::phase_rows<P, T>(pl.geo, b, taps, t, *sm); });
          each([&](int t) { fast::phase_first<P, T>(pl.geo, b, taps, A, B, t, *sm, th[t]); });
          for (int s = b.step_begin; s < b.step_end; ++s) {
            if constexpr (T::kTc) {  // the multiply is warp-wide: the step's parts, each for all threads
              each([&](int t) { fast::phase_step_pre<P, T>(pl.geo, b, taps, A, B, s, t, *sm, th[t]); });
              for (int i = 0; i < T::NT / 32; ++i) {
                const int w = reverse ? T::NT / 32 - 1 - i : i;
                mac_tc_emulated<T>(w, *sm, (s - b.step_begin) & 1, &th[w * 32]);
              }
              each([&](int t) { fast::phase_step_post<T>(b, s, t, *sm, th[t]); });
            } else {
              each([&](int t) { fast::phase_step<P, T>(pl.geo, b, taps, A, B, s, t, *sm, th[t]); });
            }
          }
        }
        each([&](int t) { fast::phase_store<P, T>(pl.geo, b, bias, out, scratch, t, th[t]); });
      }
}

template <int P>
void emu_fast(const Plan& pl, const Dims& D, const float* A, const float* B, const float* bias, float* out,
              bool reverse) {
  std::vector<float> scratch(static_cast<size_t>(pl.scratch_floats), NAN);
  const float* kb = pl.geo.splits > 1 ? nullptr : bias;
  if (pl.tc) switch (pl.tile) {
      case Tile::t128: emu_fast_kernel<P, fast::T128Tc>(pl, A, B, kb, out, scratch.data(), reverse); break;
      case Tile::t64: emu_fast_kernel<P, fast::T64Tc>(pl, A, B, kb, out, scratch.data(), reverse); break;
      case Tile::t32: emu_fast_kernel<P, fast::T32Tc>(pl, A, B, kb, out, scratch.data(), reverse); break;
      default: break;
    }
  else switch (pl.tile) {
    case Tile::t128: emu_fast_kernel<P, fast::T128>(pl, A, B, kb, out, scratch.data(), reverse); break;
    case Tile::t64: emu_fast_kernel<P, fast::T64>(pl, A, B, kb, out, scratch.data(), reverse); break;
    case Tile::t32: emu_fast_kernel<P, fast::T32>(pl, A, B, kb, out, scratch.data(), reverse); break;
    case Tile::t8: emu_fast_kernel<P, fast::T8>(pl, A, B, kb, out, scratch.data(), reverse); break;
    case Tile::t4: emu_fast_kernel<P, fast::T4>(pl, A, B, kb, out, scratch.data(), reverse); break;
    case Tile::small: emu_fast_kernel<P, fast::TSmall>(pl, A, B, kb, out, scratch.data(), reverse); break;
  }
  if (pl.geo.splits > 1) {  // split_sum's threads, one output at a time
    const int ny = split_sum_rows(pl.geo.splits);
    std::vector<double> shares(static_cast<size_t>(ny));
    for (int64_t i = 0; i < pl.geo.total; ++i) {
      for (int y = 0; y < ny; ++y) shares[y] = split_sum_part(scratch.data(), pl.geo.splits, pl.geo.total, ny, y, i);
      out[i] = split_sum_finish(shares.data(), ny, 1, P == kFwd ? bias : nullptr, D.out_sp, D.K, i);
    }
  }
}

template <int P>
void emu_simple(const Dims& D, int64_t groups, int64_t M, int64_t NC, int64_t R, const float* A, const float* B,
                const float* bias, float* out) {
  using namespace simple;
  static Stage tile;
  static float acc[kThreads][4][4];
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t m0 = 0; m0 < M; m0 += BM)
      for (int64_t n0 = 0; n0 < NC; n0 += BN) {
        for (auto& a : acc)
          for (auto& row : a)
            for (float& v : row) v = 0.f;
        for (int64_t r0 = 0; r0 < R; r0 += BK) {
          for (int tid = 0; tid < kThreads; ++tid) tile_load<P>(D, M, NC, R, A, B, g, m0, n0, r0, tid, tile);
          for (int tid = 0; tid < kThreads; ++tid) tile_mac(tid, tile, acc[tid]);
        }
        for (int tid = 0; tid < kThreads; ++tid) tile_store<P>(D, M, NC, bias, out, g, m0, n0, tid, acc[tid]);
      }
}

using V3 = std::array<int64_t, 3>;

struct Case {
  int N, C, K;
  V3 in, k, s, p, d;
  int G;
};

struct Data {
  Dims D;
  int64_t groups;
  std::vector<float> x, w, b, dy;
  std::vector<double> y, dx, dw;  // float64 references
};

Data make_data(const Case& c) {
  ConvGeometry geo;
  geo.N = c.N, geo.C = c.C, geo.K = c.K, geo.groups = c.G, geo.in = c.in, geo.k = c.k, geo.s = c.s, geo.p = c.p,
  geo.d = c.d;
  for (int a = 0; a < 3; ++a) geo.out[a] = (c.in[a] + 2 * c.p[a] - c.d[a] * (c.k[a] - 1) - 1) / c.s[a] + 1;
  Data r;
  r.D = make_dims(geo);
  r.groups = c.G;
  const Dims& D = r.D;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  r.x.resize(D.N * D.C * D.in_sp), r.w.resize(D.K * D.Cg * D.kvol), r.b.resize(D.K), r.dy.resize(D.N * D.K * D.out_sp);
  for (auto* v : {&r.x, &r.w, &r.b, &r.dy})
    for (float& e : *v) e = u(rng);
  r.y.assign(r.dy.size(), 0), r.dx.assign(r.x.size(), 0), r.dw.assign(r.w.size(), 0);
  for (int64_t n = 0; n < D.N; ++n)
    for (int64_t kk = 0; kk < D.K; ++kk) {
      const int64_t g = kk / D.Kg;
      for (int64_t o = 0; o < D.out_sp; ++o) {
        const int64_t oc[3] = {o / (D.out[1] * D.out[2]), (o / D.out[2]) % D.out[1], o % D.out[2]};
        const int64_t yi = (n * D.K + kk) * D.out_sp + o;
        double acc = r.b[kk];
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
            acc += static_cast<double>(r.w[wi]) * r.x[xi];
            r.dx[xi] += static_cast<double>(r.w[wi]) * r.dy[yi];
            r.dw[wi] += static_cast<double>(r.dy[yi]) * r.x[xi];
          }
        r.y[yi] = acc;
      }
    }
  return r;
}

// Worst |got - want| / (1e-4 + 1e-4 |want|); NaN (an element never written) is infinite.
double worst(const std::vector<float>& got, const std::vector<double>& want) {
  double m = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i])) return INFINITY;
    m = std::max(m, std::fabs(got[i] - want[i]) / (1e-4 + 1e-4 * std::fabs(want[i])));
  }
  return m;
}

const char* pass_name(int P) { return P == kFwd ? "fwd" : P == kBwdData ? "bwd-data" : "bwd-weight"; }

// Runs pass P of case `c` with plan `pl` twice (thread orders) and checks both.
template <int P>
int check_plan(const Data& r, const Plan& pl, const char* label) {
  const Dims& D = r.D;
  const bool f = P == kFwd, bd = P == kBwdData;
  const std::vector<float>& A = bd || f ? r.w : r.dy;
  const std::vector<float>& B = f ? r.x : bd ? r.dy : r.x;
  const std::vector<double>& want = f ? r.y : bd ? r.dx : r.dw;
  std::vector<float> got[2];
  for (int rev = 0; rev < 2; ++rev) {
    got[rev].assign(want.size(), NAN);
    emu_fast<P>(pl, D, A.data(), B.data(), f ? r.b.data() : nullptr, got[rev].data(), rev == 1);
  }
  const double e = worst(got[0], want);
  const bool same = std::memcmp(got[0].data(), got[1].data(), got[0].size() * sizeof(float)) == 0;
  const bool ok = e <= 1 && same;
  if (!ok)
    std::printf("  FAIL %s %s tile %s splits %d: error %.3g of the tolerance%s\n", pass_name(P), label,
                tile_name(pl.tile), pl.geo.splits, e, same ? "" : ", thread order changes the result");
  return ok ? 0 : 1;
}

template <int P>
int check_pass(const Data& r, int& runs) {
  const Dims& D = r.D;
  int bad = 0;
  Plan base = make_plan<P>(D, r.groups);
  if (!base.fast) {
    std::printf("  FAIL %s: the fast kernel does not take this case\n", pass_name(P));
    return 1;
  }
  bad += check_plan<P>(r, base, "auto");
  ++runs;
  for (int t = 0; t < kTiles; ++t)
    for (int tc = 0; tc < (has_tc(static_cast<Tile>(t)) ? 2 : 1); ++tc)
      for (int splits : {1, 3, 70}) {
        Plan pl = base;
        finish_plan<P>(pl, static_cast<Tile>(t), splits);
        pl.tc = tc == 1;
        bad += check_plan<P>(r, pl, tc ? "forced 3xtf32" : "forced");
        ++runs;
      }
  // the simple kernel, the fallback
  const bool f = P == kFwd, bd = P == kBwdData;
  const int64_t M = bd ? D.Cg : D.Kg, NC = f ? D.N * D.out_sp : bd ? D.N * D.in_sp : D.Cg * D.kvol,
                R = f ? D.Cg * D.kvol : bd ? D.Kg * D.kvol : D.N * D.out_sp;
  std::vector<float> got(f ? r.y.size() : bd ? r.dx.size() : r.dw.size(), NAN);
  emu_simple<P>(D, r.groups, M, NC, R, bd || f ? r.w.data() : r.dy.data(), f || !bd ? r.x.data() : r.dy.data(),
                f ? r.b.data() : nullptr, got.data());
  const double e = worst(got, f ? r.y : bd ? r.dx : r.dw);
  if (e > 1) std::printf("  FAIL %s simple kernel: error %.3g of the tolerance\n", pass_name(P), e), ++bad;
  ++runs;
  return bad;
}

int check(const Case& c) {
  const Data r = make_data(c);
  int runs = 0;
  const int bad = check_pass<kFwd>(r, runs) + check_pass<kBwdData>(r, runs) + check_pass<kBwdWeight>(r, runs);
  std::printf("N%d C%d K%d G%d in %ld,%ld,%ld k %ld,%ld,%ld s %ld,%ld,%ld p %ld,%ld,%ld d %ld,%ld,%ld: %d runs %s\n",
              c.N, c.C, c.K, c.G, c.in[0], c.in[1], c.in[2], c.k[0], c.k[1], c.k[2], c.s[0], c.s[1], c.s[2], c.p[0],
              c.p[1], c.p[2], c.d[0], c.d[1], c.d[2], runs, bad ? "FAIL" : "OK");
  return bad;
}

// class_taps against enumeration: every t in [0, k) with t d = rho (mod s), in order.
int check_class_taps() {
  int bad = 0;
  for (int k = 1; k <= 7; ++k)
    for (int d = 1; d <= 4; ++d)
      for (int s = 1; s <= 6; ++s)
        for (int rho = 0; rho < s; ++rho) {
          std::vector<int> want;
          for (int t = 0; t < k; ++t)
            if ((t * d - rho) % s == 0) want.push_back(t);
          const fast::ClassTaps c = fast::class_taps(k, d, s, rho);
          std::vector<int> got;
          for (int l = 0; l < c.count; ++l) got.push_back(c.t0 + l * c.step);
          if (got != want) {
            std::printf("  FAIL class_taps(k %d, d %d, s %d, rho %d)\n", k, d, s, rho);
            ++bad;
          }
        }
  std::printf("class_taps: %s\n", bad ? "FAIL" : "OK");
  return bad;
}

// The fast kernel's rule: the benchmark's largest layer fits, an axis of 2^27 or a tensor
// of 2^30 padded elements does not.
int check_rule() {
  auto dims = [](int64_t N, int64_t C, int64_t K, V3 in, int64_t k, int64_t s, int64_t p) {
    ConvGeometry g;
    g.N = N, g.C = C, g.K = K;
    for (int a = 0; a < 3; ++a) {
      g.in[a] = in[a], g.k[a] = k, g.s[a] = s, g.p[a] = p, g.d[a] = 1;
      g.out[a] = (in[a] + 2 * p - (k - 1) - 1) / s + 1;
    }
    return make_dims(g);
  };
  int bad = 0;
  bad += !fits_int32(dims(1, 64, 32, {12, 128, 128}, 3, 1, 1));
  bad += !fits_int32(dims(1, 1, 8, {48, 256, 256}, 3, 2, 1));
  bad += fits_int32(dims(1, 1, 1, {1, 1, int64_t(1) << 27}, 1, 1, 0));
  bad += fits_int32(dims(1, 1, 1, {1, 1, 16}, 3, 1, int64_t(1) << 26));
  bad += fits_int32(dims(2, 64, 64, {128, 256, 256}, 3, 1, 1));
  std::printf("fits_int32: %s\n", bad ? "FAIL" : "OK");
  return bad;
}

}  // namespace

int main() {
  const Case cases[] = {
      {2, 4, 8, {6, 7, 8}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1},
      {1, 3, 5, {9, 9, 9}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, 1},
      {1, 4, 6, {8, 8, 8}, {3, 3, 3}, {1, 1, 1}, {2, 2, 2}, {2, 2, 2}, 2},
      {2, 16, 8, {6, 6, 6}, {1, 1, 1}, {2, 2, 2}, {0, 0, 0}, {1, 1, 1}, 1},  // classes without taps
      {1, 2, 3, {5, 9, 11}, {1, 3, 5}, {1, 2, 3}, {0, 1, 2}, {1, 1, 1}, 1},
      {1, 6, 6, {5, 6, 7}, {3, 3, 3}, {2, 1, 3}, {1, 2, 0}, {1, 2, 1}, 3},
      {2, 20, 70, {5, 6, 7}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1},   // several tiles in M, N and R
      {1, 4, 4, {9, 8, 7}, {3, 3, 3}, {2, 2, 2}, {2, 2, 2}, {2, 2, 2}, 1},     // stride 2, dilation 2: empty classes
      {1, 3, 4, {7, 7, 7}, {2, 3, 2}, {3, 2, 2}, {3, 0, 1}, {1, 1, 2}, 1},     // padding past the kernel's reach
      {1, 1, 8, {10, 12, 12}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, 1},  // the stem's shape, small
      {1, 33, 40, {6, 6, 6}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, 1},   // M = 33 and 40
      {1, 130, 140, {3, 4, 4}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1}, // M > 128, long reduction
      {3, 8, 12, {4, 5, 3}, {1, 2, 3}, {1, 1, 1}, {0, 1, 1}, {1, 1, 1}, 4},    // batch 3, 4 groups
      {1, 3, 4, {9, 10, 11}, {3, 3, 3}, {2, 4, 3}, {2, 3, 1}, {3, 2, 1}, 1},   // gcd(d, s) 1 and 2: tap steps
  };
  int bad = check_class_taps() + check_rule();
  for (const Case& c : cases) bad += check(c);
  std::printf(bad ? "FAILURES %d\n" : "all OK\n", bad);
  return bad ? 1 : 0;
}
