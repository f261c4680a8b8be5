// conv3d's TF32 / bf16 tensor-core kernels (src/cuda/conv3d_lowp.cu) on a real GPU. Needs one
// (sm_80 or newer); it has not run yet: no GPU was lent when it was written. Self-contained:
// built from this file and src/cuda/conv3d_lowp.cu, no engine library. Two modes:
//
//   conv3d_lowp_gpu check
//     1. the roundings: deepsc/precision.h's device path (cvt.rna.tf32.f32, cvt.rn.bf16.f32)
//        and lowp::pack_bf16x2 (cvt.rn.bf16x2.f32) against its host path, bit for bit (NaN:
//        both NaN), on the table's special values and a million random bit patterns;
//     2. each pass, precision, 32-row and larger tiling and split count (1, 3) of the host
//        check's convolutions (../conv3d_lowp.cu), on the GPU (launch_lowp, then split_sum):
//        every output written; within the precision's bound of the float64 reference
//        (emu::error_bound with the tensor cores' per-step error, emu::kTensorCoreStepError);
//        within the two per-step errors of the host emulation (conv3d_lowp_emu.cuh: |gpu - emu|
//        <= (ceil(R / 8) + 2) (2^-19 + 2^-24) S, S the output's sum of |products|: the tensor
//        cores add the same exact products but truncate where the emulation rounds once), with
//        the share of outputs that are bitwise equal printed;
//        bitwise the same on a second run (determinism).
//   conv3d_lowp_gpu time WARMUP REPEATS < layers
//     For each layer (cuda_check time's format: name N C K D H W kD kH kW sD sH sW pD pH pW dD
//     dH dW groups) one JSON line: per precision and pass the plan, the median time of
//     REPEATS (CUDA events, after WARMUP; the kernel plus split_sum), whether two runs are
//     bitwise equal, and the worst |lowp - fp32| / max |fp32| against the simple fp32 kernel
//     (conv3d_simple.cuh), which must stay under 8 u (u: 2^-11 TF32, 2^-8 bf16). Passes the
//     tensor-core kernels do not take (lowp_takes: M <= 8, thin backward-weight) say
//     "fp32" and are not timed here (the engine runs them with the fp32 kernels).
// Exit 0 when every check passes, 1 when one fails, 2 for usage.
//   nvcc -std=c++20 --expt-relaxed-constexpr -DDEEPSC_HAVE_CUDA=1 -Inative/include -Inative/src -O2 -arch=sm_90 \
//     native/test/cuda_emu/gpu/conv3d_lowp_gpu.cu native/src/cuda/conv3d_lowp.cu -o conv3d_lowp_gpu
// (run.sh in this folder and native/test/conv3d-lowp-gpu.test.ts build and run it.)
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../conv3d_lowp_emu.cuh"
#include "cuda/check.cuh"
#include "cuda/conv3d_simple.cuh"

using namespace deepsc;
using namespace deepsc::cuda::conv3d;

namespace {

/// A device buffer of n floats (at least one), freed on scope exit.
struct Dev {
  float* p = nullptr;
  int64_t n;
  explicit Dev(int64_t n_) : n(n_) {
    DEEPSC_CUDA_CHECK(cudaMalloc(&p, static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float)));
  }
  Dev(const Dev&) = delete;
  Dev& operator=(const Dev&) = delete;
  ~Dev() { cudaFree(p); }
  void up(const std::vector<float>& h) {
    DEEPSC_CUDA_CHECK(cudaMemcpy(p, h.data(), static_cast<size_t>(n) * sizeof(float), cudaMemcpyHostToDevice));
  }
  std::vector<float> down() const {
    std::vector<float> h(static_cast<size_t>(n));
    DEEPSC_CUDA_CHECK(cudaMemcpy(h.data(), p, static_cast<size_t>(n) * sizeof(float), cudaMemcpyDeviceToHost));
    return h;
  }
  void fill_nan() { DEEPSC_CUDA_CHECK(cudaMemset(p, 0xff, static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float))); }
};

// ---- 1. the roundings ------------------------------------------------------------------------

__global__ void round_on_device(const float* x, int n, uint32_t* tf32, uint16_t* bf16, uint32_t* packed) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (i >= n) return;
  tf32[i] = tf32_bits(x[i]);
  bf16[i] = bf16_bits(x[i]);
  packed[i] = lowp::pack_bf16x2(x[i], x[(i + 1) % n]);
}

int check_roundings() {
  std::vector<uint32_t> bits = {0x00000000u, 0x80000000u, 0x3f800000u, 0x3f801000u, 0xbf801000u, 0x3f803000u,
                                0x3f808000u, 0x3f818000u, 0x7f7fffffu, 0xff7fffffu, 0x7f7fe000u, 0x7f7ff000u,
                                0x7f7f8000u, 0x00000001u, 0x80000001u, 0x00001000u, 0x00003000u, 0x00008000u,
                                0x00018000u, 0x007fffffu, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0x7f800001u,
                                0xffc00000u, 0x7fffffffu};
  std::mt19937 rng(90);
  while (bits.size() < (1u << 20)) bits.push_back(static_cast<uint32_t>(rng()));
  const int n = static_cast<int>(bits.size());
  std::vector<float> x(bits.size());
  std::memcpy(x.data(), bits.data(), bits.size() * sizeof(float));
  float* dx;
  uint32_t *dt, *dp;
  uint16_t* db;
  DEEPSC_CUDA_CHECK(cudaMalloc(&dx, n * sizeof(float)));
  DEEPSC_CUDA_CHECK(cudaMalloc(&dt, n * sizeof(uint32_t)));
  DEEPSC_CUDA_CHECK(cudaMalloc(&dp, n * sizeof(uint32_t)));
  DEEPSC_CUDA_CHECK(cudaMalloc(&db, n * sizeof(uint16_t)));
  DEEPSC_CUDA_CHECK(cudaMemcpy(dx, x.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  round_on_device<<<(n + 255) / 256, 256>>>(dx, n, dt, db, dp);
  DEEPSC_CUDA_CHECK(cudaGetLastError());
  std::vector<uint32_t> t(n), p(n);
  std::vector<uint16_t> b(n);
  DEEPSC_CUDA_CHECK(cudaMemcpy(t.data(), dt, n * sizeof(uint32_t), cudaMemcpyDeviceToHost));
  DEEPSC_CUDA_CHECK(cudaMemcpy(p.data(), dp, n * sizeof(uint32_t), cudaMemcpyDeviceToHost));
  DEEPSC_CUDA_CHECK(cudaMemcpy(b.data(), db, n * sizeof(uint16_t), cudaMemcpyDeviceToHost));
  cudaFree(dx), cudaFree(dt), cudaFree(dp), cudaFree(db);
  auto nan32 = [](uint32_t u) { return (u & 0x7fffffffu) > 0x7f800000u; };
  auto nan16 = [](uint16_t u) { return (u & 0x7fffu) > 0x7f80u; };
  int bad = 0;
  for (int i = 0; i < n; ++i) {
    const uint32_t ht = tf32_bits(x[i]), hp = lowp::pack_bf16x2(x[i], x[(i + 1) % n]);
    const uint16_t hb = bf16_bits(x[i]);
    const bool nan = nan32(bits[i]);
    const bool ok_t = nan ? nan32(t[i]) : t[i] == ht;
    const bool ok_b = nan ? nan16(b[i]) : b[i] == hb;
    const bool ok_p = nan || nan32(bits[(i + 1) % n]) ? true : p[i] == hp;
    if (!(ok_t && ok_b && ok_p) && bad++ < 10)
      std::printf("  FAIL rounding of 0x%08x: device tf32 0x%08x bf16 0x%04x packed 0x%08x, host 0x%08x 0x%04x 0x%08x\n",
                  bits[i], t[i], b[i], p[i], ht, hb, hp);
  }
  std::printf("roundings: %d values, %s\n", n, bad ? "FAIL" : "device == host");
  return bad ? 1 : 0;
}

// ---- 2. the kernels against the emulation and the reference -----------------------------------

/// Pass P of plan pl on the GPU as the engine would run it: launch_lowp, then split_sum.
template <int P>
void run_gpu(Precision pr, const Plan& pl, const Dims& D, const float* A, const float* B, const float* bias,
             float* out) {
  if (pl.geo.splits == 1) return launch_lowp(pr, P, pl, A, B, bias, out, nullptr);
  Dev part(pl.scratch_floats);
  launch_lowp(pr, P, pl, A, B, nullptr, out, part.p);
  const int64_t total = pl.geo.total;
  const dim3 threads(kSplitSumX, static_cast<unsigned>(split_sum_rows(pl.geo.splits)));
  split_sum<<<static_cast<unsigned>((total + kSplitSumX - 1) / kSplitSumX), threads>>>(
      part.p, pl.geo.splits, total, P == kFwd ? bias : nullptr, D.out_sp, D.K, out);
  DEEPSC_CUDA_CHECK(cudaGetLastError());
  DEEPSC_CUDA_CHECK(cudaDeviceSynchronize());  // before part is freed
}

const char* pass_name(int P) { return P == kFwd ? "fwd" : P == kBwdData ? "bwd-data" : "bwd-weight"; }

template <int P>
int check_pass_gpu(const emu::Data& r) {
  const emu::Operands<P> op = emu::operands<P>(r);
  Dev A(static_cast<int64_t>(op.A.size())), B(static_cast<int64_t>(op.B.size())), bias(r.D.K),
      out(static_cast<int64_t>(op.want.size()));
  A.up(op.A), B.up(op.B), bias.up(r.b);
  const Plan base = make_plan<P>(r.D, r.groups);
  int bad = 0;
  for (Precision pr : {Precision::tf32, Precision::bf16})
    for (Tile t : {Tile::t128, Tile::t64, Tile::t32})
      for (int splits : {1, 3}) {
        Plan pl = base;
        finish_plan<P>(pl, t, splits);
        const float* bp = P == kFwd ? bias.p : nullptr;
        out.fill_nan();
        run_gpu<P>(pr, pl, r.D, A.p, B.p, bp, out.p);
        const std::vector<float> got = out.down();
        out.fill_nan();
        run_gpu<P>(pr, pl, r.D, A.p, B.p, bp, out.p);
        const bool same = got == out.down();
        std::vector<float> em(op.want.size(), NAN);
        emu::pass_emulated<P>(pr, pl, r.D, op.A.data(), op.B.data(), P == kFwd ? r.b.data() : nullptr, em.data(),
                              false);
        const int64_t R = emu::reduction<P>(r.D);
        const double rel = emu::error_bound(pr, R, emu::kTensorCoreStepError),
                     rel_emu = static_cast<double>((R + 7) / 8 + 2) * (emu::kTensorCoreStepError + 0x1p-24);
        double worst_ref = 0, worst_emu = 0;
        int64_t unwritten = 0, equal = 0;
        for (size_t i = 0; i < got.size(); ++i) {
          if (std::isnan(got[i])) {
            ++unwritten;
            continue;
          }
          const double s = op.scale[i] + 1e-30;
          worst_ref = std::max(worst_ref, std::fabs(got[i] - op.want[i]) / (rel * s));
          worst_emu = std::max(worst_emu, std::fabs(static_cast<double>(got[i]) - em[i]) / (rel_emu * s));
          equal += got[i] == em[i];
        }
        const bool ok = unwritten == 0 && worst_ref <= 1 && worst_emu <= 1 && same;
        bad += !ok;
        std::printf("  %s %s %s tile %s splits %d: vs float64 %.3f of the bound, vs emulation %.3f of the bound, "
                    "%.1f%% bitwise equal%s%s%s\n",
                    ok ? "ok  " : "FAIL", pass_name(P), precision_name(pr), tile_name(t), splits, worst_ref, worst_emu,
                    100.0 * static_cast<double>(equal) / static_cast<double>(got.size()),
                    unwritten ? ", outputs never written" : "", same ? "" : ", a second run differs", "");
      }
  return bad;
}

int check() {
  int bad = check_roundings();
  const emu::Case cases[] = {
      {2, 5, 12, {6, 7, 8}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1},
      {1, 3, 17, {9, 9, 9}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, 1},
      {1, 6, 10, {8, 8, 8}, {3, 3, 3}, {1, 1, 1}, {2, 2, 2}, {2, 2, 2}, 2},
      {2, 16, 9, {6, 6, 6}, {1, 1, 1}, {2, 2, 2}, {0, 0, 0}, {1, 1, 1}, 1},
      {2, 20, 70, {5, 6, 7}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1},
      {1, 130, 140, {3, 4, 4}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1},
      {3, 8, 12, {4, 5, 3}, {1, 2, 3}, {1, 1, 1}, {0, 1, 1}, {1, 1, 1}, 4},
      {1, 3, 10, {9, 10, 11}, {3, 3, 3}, {2, 4, 3}, {2, 3, 1}, {3, 2, 1}, 1},
  };
  for (const emu::Case& c : cases) {
    const emu::Data r = emu::make_data(c);
    std::printf("N%d C%d K%d G%d in %ld,%ld,%ld\n", c.N, c.C, c.K, c.G, c.in[0], c.in[1], c.in[2]);
    bad += check_pass_gpu<kFwd>(r) + check_pass_gpu<kBwdData>(r) + check_pass_gpu<kBwdWeight>(r);
  }
  std::printf(bad ? "FAILURES %d\n" : "all OK\n", bad);
  return bad ? 1 : 0;
}

// ---- time mode ---------------------------------------------------------------------------------

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double time_ms(const std::function<void()>& fn) {
  cudaEvent_t a, b;
  DEEPSC_CUDA_CHECK(cudaEventCreate(&a));
  DEEPSC_CUDA_CHECK(cudaEventCreate(&b));
  DEEPSC_CUDA_CHECK(cudaEventRecord(a));
  fn();
  DEEPSC_CUDA_CHECK(cudaEventRecord(b));
  DEEPSC_CUDA_CHECK(cudaEventSynchronize(b));
  float ms = 0;
  DEEPSC_CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
  cudaEventDestroy(a), cudaEventDestroy(b);
  return ms;
}

template <int P>
std::string time_pass(Precision pr, const Dims& D, int64_t g, const Dev& A, const Dev& B, const Dev& bias, Dev& out,
                      int warmup, int repeats, int& failures) {
  const Plan pl = make_plan<P>(D, g);
  std::ostringstream o;
  if (!lowp_takes(pl)) {
    o << "{\"math\": \"fp32\", \"tile\": \"" << (pl.fast ? tile_name(pl.tile) : "simple") << "\"}";
    return o.str();
  }
  // The float buffer of split partials lives for the whole timing (the engine's is grow-only).
  Dev part(std::max<int64_t>(pl.scratch_floats, 1));
  const float* bp = P == kFwd ? bias.p : nullptr;
  auto run = [&] {
    if (pl.geo.splits == 1) return launch_lowp(pr, P, pl, A.p, B.p, bp, out.p, nullptr);
    launch_lowp(pr, P, pl, A.p, B.p, nullptr, out.p, part.p);
    const dim3 threads(kSplitSumX, static_cast<unsigned>(split_sum_rows(pl.geo.splits)));
    split_sum<<<static_cast<unsigned>((pl.geo.total + kSplitSumX - 1) / kSplitSumX), threads>>>(
        part.p, pl.geo.splits, pl.geo.total, bp, D.out_sp, D.K, out.p);
    DEEPSC_CUDA_CHECK(cudaGetLastError());
  };
  run();
  DEEPSC_CUDA_CHECK(cudaDeviceSynchronize());
  const std::vector<float> first = out.down();
  run();
  DEEPSC_CUDA_CHECK(cudaDeviceSynchronize());
  const bool same = first == out.down();
  for (int i = 0; i < warmup; ++i) run();
  DEEPSC_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) ms.push_back(time_ms(run));
  // the fp32 simple kernel as the reference
  Dev ref(out.n);
  const bool f = P == kFwd, bd = P == kBwdData;
  const int64_t M = bd ? D.Cg : D.Kg, NC = f ? D.N * D.out_sp : bd ? D.N * D.in_sp : D.Cg * D.kvol,
                R = f ? D.Cg * D.kvol : bd ? D.Kg * D.kvol : D.N * D.out_sp;
  simple::launch<P>(D, g, M, NC, R, A.p, B.p, bp, ref.p);
  DEEPSC_CUDA_CHECK(cudaGetLastError());
  const std::vector<float> want = ref.down();
  double mx = 0, err = 0;
  for (float v : want) mx = std::max(mx, std::fabs(static_cast<double>(v)));
  for (size_t i = 0; i < want.size(); ++i)
    err = std::max(err, std::isfinite(first[i]) ? std::fabs(static_cast<double>(first[i]) - want[i]) : INFINITY);
  const double rel = err / (mx + 1e-30);
  const bool ok = same && rel <= 8 * operand_roundoff(pr);
  failures += !ok;
  o << "{\"math\": \"" << precision_name(pr) << "\", \"tile\": \"" << tile_name(pl.tile)
    << "\", \"splits\": " << pl.geo.splits << ", \"ms\": " << median(ms) << ", \"errVsFp32\": " << rel
    << ", \"deterministic\": " << (same ? "true" : "false") << ", \"ok\": " << (ok ? "true" : "false") << "}";
  return o.str();
}

int time_layers(int warmup, int repeats) {
  int failures = 0;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string name;
    int64_t N, C, K, g;
    std::array<int64_t, 3> sz{}, k{}, s{}, p{}, d{};
    in >> name >> N >> C >> K >> sz[0] >> sz[1] >> sz[2] >> k[0] >> k[1] >> k[2] >> s[0] >> s[1] >> s[2] >> p[0] >>
        p[1] >> p[2] >> d[0] >> d[1] >> d[2] >> g;
    if (!in) continue;
    ConvGeometry geo;
    geo.N = N, geo.C = C, geo.K = K, geo.groups = g, geo.in = sz, geo.k = k, geo.s = s, geo.p = p, geo.d = d;
    for (int a = 0; a < 3; ++a) geo.out[a] = (sz[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) / s[a] + 1;
    const Dims D = make_dims(geo);
    auto rand_dev = [&](int64_t n) {
      auto b = std::make_unique<Dev>(n);
      std::vector<float> h(static_cast<size_t>(n));
      for (float& v : h) v = u(rng);
      b->up(h);
      return b;
    };
    auto x = rand_dev(D.N * D.C * D.in_sp), w = rand_dev(D.K * D.Cg * D.kvol), b = rand_dev(D.K),
         dy = rand_dev(D.N * D.K * D.out_sp);
    Dev y(D.N * D.K * D.out_sp), dx(D.N * D.C * D.in_sp), dw(D.K * D.Cg * D.kvol);
    std::ostringstream o;
    o << "{\"name\": \"" << name << "\"";
    for (Precision pr : {Precision::tf32, Precision::bf16}) {
      o << ", \"" << precision_name(pr) << "\": {\"forward\": "
        << time_pass<kFwd>(pr, D, g, *w, *x, *b, y, warmup, repeats, failures)
        << ", \"backward_data\": " << time_pass<kBwdData>(pr, D, g, *w, *dy, *b, dx, warmup, repeats, failures)
        << ", \"backward_weight\": " << time_pass<kBwdWeight>(pr, D, g, *dy, *x, *b, dw, warmup, repeats, failures)
        << "}";
    }
    o << "}";
    std::printf("%s\n", o.str().c_str());
    std::fflush(stdout);
  }
  std::fprintf(stderr, "conv3d_lowp_gpu time: %d failures\n", failures);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool is_check = argc == 2 && std::strcmp(argv[1], "check") == 0;
  const bool is_time = argc == 4 && std::strcmp(argv[1], "time") == 0;
  if (!is_check && !is_time) {
    std::fprintf(stderr, "usage: conv3d_lowp_gpu check | conv3d_lowp_gpu time WARMUP REPEATS < layers\n");
    return 2;
  }
  try {
    int n = 0;
    DEEPSC_CUDA_CHECK(cudaGetDeviceCount(&n));
    cudaDeviceProp prop{};
    DEEPSC_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    if (prop.major < 8) {
      std::fprintf(stderr, "conv3d_lowp_gpu: %s is sm_%d%d; the tensor-core kernels need sm_80 or newer\n", prop.name,
                   prop.major, prop.minor);
      return 1;
    }
    std::fprintf(stderr, "conv3d_lowp_gpu: %s (sm_%d%d)\n", prop.name, prop.major, prop.minor);
    return is_check ? check() : time_layers(std::atoi(argv[2]), std::atoi(argv[3]));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conv3d_lowp_gpu: %s\n", e.what());
    return 1;
  }
}
