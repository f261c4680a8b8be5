// Host check of conv3d's TF32 and bf16 tensor-core kernels (src/cuda/conv3d_lowp.cuh) through
// the emulation of conv3d_lowp_emu.cuh (the kernel's own phases, fragment loads and rounding;
// the mma modelled as exact products rounded once), no GPU needed. For a table of
// convolutions (strides, padding, dilation, groups, odd extents, channel counts that are no
// multiple of any tile) and each pass and precision, the engine's plan (when lowp_takes it)
// and each 32-row and larger tiling forced with 1 and 3 reduction splits (and 70 on some: more
// splits than steps) must
//   - write every output (outputs start as NaN),
//   - stay within the bound the precision implies against a float64 reference (emu::error_bound:
//     (1 + u)^2 - 1 with u = 2^-11 for TF32 and 2^-8 for bf16, plus the fp32 accumulation's
//     2^-24 per mma step, times the output's sum of |products|),
//   - show the precision's rounding (the worst error is more than u / 64 of that sum: an
//     emulation that skipped the rounding would be ~2^-24 and fail),
//   - be deterministic: bitwise the same with the threads and warps run in the opposite order,
//     and when run again.
// Also: plans lowp_takes refuses (thin passes) are named; launch_lowp's refusals are not
// reachable here (host only). Exit 0 when everything passes. Built and run by
// native/test/conv3d-lowp-emu.test.ts (where nvcc is on PATH) and by run.sh in this folder:
//   nvcc -std=c++20 --expt-relaxed-constexpr -DDEEPSC_HAVE_CUDA=1 -Inative/include -Inative/src -O2 \
//     -arch=sm_90 native/test/cuda_emu/conv3d_lowp.cu -o conv3d_lowp && ./conv3d_lowp [--quick]
#include <cstdio>
#include <cstring>
#include <string>

#include "conv3d_lowp_emu.cuh"

using namespace deepsc;
using namespace deepsc::cuda::conv3d;

namespace {

const char* pass_name(int P) { return P == kFwd ? "fwd" : P == kBwdData ? "bwd-data" : "bwd-weight"; }

struct Stats {
  int runs = 0, failures = 0;
  double worst_ratio[3] = {0, 0, 0};  // by precision: worst |error| / bound
};

// Runs pass P of `r` with plan pl in precision pr (twice when `orders`: both thread orders,
// plus a repeat) and checks it.
template <int P>
void check_plan(const emu::Data& r, const Plan& pl, Precision pr, const std::string& label, bool orders,
                Stats& st) {
  const emu::Operands<P> op = emu::operands<P>(r);
  const std::vector<float>* bias = P == kFwd ? &r.b : nullptr;
  std::vector<float> got[3];
  const int n_runs = orders ? 3 : 1;
  for (int i = 0; i < n_runs; ++i) {
    got[i].assign(op.want.size(), NAN);
    emu::pass_emulated<P>(pr, pl, r.D, op.A.data(), op.B.data(), bias ? bias->data() : nullptr, got[i].data(),
                          i == 1);
  }
  ++st.runs;
  const double rel = emu::error_bound(pr, emu::reduction<P>(r.D));
  double worst = 0, worst_rel_err = 0;
  int64_t unwritten = 0;
  for (size_t i = 0; i < got[0].size(); ++i) {
    if (std::isnan(got[0][i])) {
      ++unwritten;
      continue;
    }
    const double err = std::fabs(static_cast<double>(got[0][i]) - op.want[i]), s = op.scale[i];
    worst = std::max(worst, err / (rel * s + 1e-30));
    if (s > 0) worst_rel_err = std::max(worst_rel_err, err / s);
  }
  const auto pi = static_cast<int>(pr);
  st.worst_ratio[pi] = std::max(st.worst_ratio[pi], worst);
  std::string why;
  if (unwritten) why += ", " + std::to_string(unwritten) + " outputs never written";
  if (worst > 1) why += ", error " + std::to_string(worst) + " of the bound";
  if (worst_rel_err <= operand_roundoff(pr) / 64)
    why += ", worst relative error " + std::to_string(worst_rel_err) + ": the operands were not rounded";
  for (int i = 1; i < n_runs; ++i)
    if (std::memcmp(got[0].data(), got[i].data(), got[0].size() * sizeof(float)) != 0)
      why += i == 1 ? ", the thread order changes the result" : ", a second run differs";
  if (!why.empty()) {
    ++st.failures;
    std::printf("  FAIL %s %s %s tile %s splits %d%s\n", pass_name(P), precision_name(pr), label.c_str(),
                tile_name(pl.tile), pl.geo.splits, why.c_str());
  }
}

template <int P>
void check_pass(const emu::Data& r, bool quick, Stats& st) {
  const Plan base = make_plan<P>(r.D, r.groups);
  if (!base.fast) {
    std::printf("  FAIL %s: the fast kernel does not take this case\n", pass_name(P));
    ++st.failures;
    return;
  }
  for (Precision pr : {Precision::tf32, Precision::bf16}) {
    if (lowp_takes(base)) check_plan<P>(r, base, pr, "plan", true, st);
    else std::printf("  %s: the plan's %s tiling runs in fp32 (no tensor-core twin)\n", pass_name(P), tile_name(base.tile));
    for (Tile t : {Tile::t128, Tile::t64, Tile::t32})
      for (int splits : quick ? std::vector<int>{3} : std::vector<int>{1, 3, 70}) {
        Plan pl = base;
        finish_plan<P>(pl, t, splits);
        check_plan<P>(r, pl, pr, "forced", !quick && t == Tile::t32 && splits == 3, st);
      }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  // N, C, K, in, k, s, p, d, groups
  const emu::Case cases[] = {
      {2, 5, 12, {6, 7, 8}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1},    // odd channel counts
      {1, 3, 17, {9, 9, 9}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, 1},    // stride 2
      {1, 6, 10, {8, 8, 8}, {3, 3, 3}, {1, 1, 1}, {2, 2, 2}, {2, 2, 2}, 2},    // dilation 2, 2 groups
      {2, 16, 9, {6, 6, 6}, {1, 1, 1}, {2, 2, 2}, {0, 0, 0}, {1, 1, 1}, 1},    // classes without taps
      {1, 2, 11, {5, 9, 11}, {1, 3, 5}, {1, 2, 3}, {0, 1, 2}, {1, 1, 1}, 1},   // anisotropic
      {2, 20, 70, {5, 6, 7}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1},   // several tiles in M, N and R
      {1, 33, 40, {6, 6, 6}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, 1},   // M = 33 and 40
      {1, 130, 140, {3, 4, 4}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1}, // M > 128, long reduction
      {3, 8, 12, {4, 5, 3}, {1, 2, 3}, {1, 1, 1}, {0, 1, 1}, {1, 1, 1}, 4},    // batch 3, 4 groups
      {1, 3, 10, {9, 10, 11}, {3, 3, 3}, {2, 4, 3}, {2, 3, 1}, {3, 2, 1}, 1},  // mixed strides and dilations
  };
  Stats st;
  for (const emu::Case& c : cases) {
    const emu::Data r = emu::make_data(c);
    const int before = st.failures;
    check_pass<kFwd>(r, quick, st);
    check_pass<kBwdData>(r, quick, st);
    check_pass<kBwdWeight>(r, quick, st);
    std::printf("N%d C%d K%d G%d in %ld,%ld,%ld k %ld,%ld,%ld s %ld,%ld,%ld p %ld,%ld,%ld d %ld,%ld,%ld: %s\n", c.N,
                c.C, c.K, c.G, c.in[0], c.in[1], c.in[2], c.k[0], c.k[1], c.k[2], c.s[0], c.s[1], c.s[2], c.p[0], c.p[1],
                c.p[2], c.d[0], c.d[1], c.d[2], st.failures > before ? "FAIL" : "OK");
  }
  std::printf("%d runs; worst error / bound: tf32 %.3f, bf16 %.3f\n", st.runs, st.worst_ratio[1], st.worst_ratio[2]);
  std::printf(st.failures ? "FAILURES %d\n" : "all OK\n", st.failures);
  return st.failures ? 1 : 0;
}
