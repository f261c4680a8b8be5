// conv3d on a real GPU, layer by layer (not host emulation: this one needs a GPU; run.sh in
// this folder builds and runs it). For each layer read from stdin (cuda_check time's format:
// name N C K D H W kD kH kW sD sH sW pD pH pW dD dH dW groups) it prints one JSON line with,
// per pass: the plan (kernel, tiling, splits, grid), the engine's result against the simple
// kernel (conv3d_simple.cuh, independent index code) as the worst |fast - simple| over
// (atol + rtol |simple|) with atol = 1e-5 max|simple| and rtol = 1e-4 (sums of up to
// millions of products in two orders), whether a second run is bitwise equal, and the
// engine's times (CUDA events, median of REPEATS after WARMUP), for MATH: the default FFMA
// multiply ("fp32") or the opt-in tensor-core one ("3xtf32", DEEPSC_CONV3D_MATH; run it in a
// process of its own, so that a fault there cannot hide the default path's results). The bias
// gradient is checked against a float64 host sum. Exit 1 when a check fails.
//   conv3d_gpu WARMUP REPEATS MATH [--no-simple] < layers
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

#include "cuda/conv3d_plan.cuh"
#include "cuda/conv3d_simple.cuh"
#include "cuda/check.cuh"
#include "cuda/memory.h"
#include "cuda/timing.h"
#include "deepsc/registry.h"

using namespace deepsc;
using namespace deepsc::cuda::conv3d;

namespace {

struct Buf {
  cuda::DeviceBuffer d;
  int64_t n;
  explicit Buf(int64_t n_) : d(std::max<int64_t>(n_, 1), "conv3d_gpu"), n(n_) {}
  float* get() const { return d.get(); }
  std::vector<float> down() const {
    std::vector<float> h(static_cast<size_t>(std::max<int64_t>(n, 1)));
    cuda::copy_to_host(h.data(), d.get(), n);
    return h;
  }
};

double worst(const std::vector<float>& got, const std::vector<float>& ref, int64_t n) {
  double mx = 0;
  for (int64_t i = 0; i < n; ++i) mx = std::max(mx, std::fabs(static_cast<double>(ref[i])));
  const double atol = 1e-5 * mx + 1e-30, rtol = 1e-4;
  double w = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(got[i]) || std::isinf(got[i])) return INFINITY;
    const double r = ref[i];
    w = std::max(w, std::fabs(static_cast<double>(got[i]) - r) / (atol + rtol * std::fabs(r)));
  }
  return w;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

template <int P>
std::string plan_json(const Dims& D, int64_t groups, bool tc) {
  const Plan pl = make_plan<P>(D, groups, tc);
  std::ostringstream o;
  if (!pl.fast) return "{\"kernel\": \"simple\"}";
  o << "{\"kernel\": \"fast\", \"tile\": \"" << tile_name(pl.tile) << (pl.tc ? " 3xtf32" : "")
    << "\", \"splits\": " << pl.geo.splits
    << ", \"grid\": [" << pl.grid[0] << ", " << pl.grid[1] << ", " << pl.grid[2] << "]}";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || (std::strcmp(argv[3], "fp32") != 0 && std::strcmp(argv[3], "3xtf32") != 0)) {
    std::fprintf(stderr, "usage: conv3d_gpu WARMUP REPEATS fp32|3xtf32 [--no-simple] < layers\n");
    return 2;
  }
  const int warmup = std::atoi(argv[1]), repeats = std::atoi(argv[2]);
  const char* math = argv[3];
  const bool tc = std::strcmp(math, "3xtf32") == 0;
  setenv("DEEPSC_CONV3D_MATH", math, 1);
  const bool with_simple = !(argc > 4 && std::strcmp(argv[4], "--no-simple") == 0);
  int failures = 0;
  try {
    cuda::require_device("conv3d_gpu");
    std::string line;
    std::mt19937 rng(7);
    while (std::getline(std::cin, line)) {
      std::istringstream in(line);
      std::string name;
      int64_t N, C, K, g;
      std::array<int64_t, 3> sz{}, k{}, s{}, p{}, d{};
      in >> name >> N >> C >> K >> sz[0] >> sz[1] >> sz[2] >> k[0] >> k[1] >> k[2] >> s[0] >> s[1] >> s[2] >> p[0] >>
          p[1] >> p[2] >> d[0] >> d[1] >> d[2] >> g;
      if (!in) continue;
      Attrs attrs("conv3d");
      auto tri = [](const std::array<int64_t, 3>& v) { return std::vector<double>(v.begin(), v.end()); };
      attrs.set("stride", tri(s));
      attrs.set("padding", tri(p));
      attrs.set("dilation", tri(d));
      attrs.set("groups", static_cast<double>(g));
      OpInstance op = make_op("conv3d", attrs);
      std::vector<Shape> shapes = {Shape{N, C, sz[0], sz[1], sz[2]}, Shape{K, C / g, k[0], k[1], k[2]}, Shape{K}};
      auto out_shapes = infer_shapes(op, shapes, {true, true, true});
      ConvGeometry geo;
      geo.N = N, geo.C = C, geo.K = K, geo.groups = g, geo.in = sz, geo.k = k, geo.s = s, geo.p = p, geo.d = d;
      for (int a = 0; a < 3; ++a) geo.out[a] = out_shapes[0][2 + a];
      const Dims D = make_dims(geo);
      std::vector<Buf> bufs;
      std::uniform_real_distribution<float> u(-1, 1);
      auto up = [&](int64_t n) {
        std::vector<float> h(static_cast<size_t>(n));
        for (float& v : h) v = u(rng);
        Buf b(n);
        cuda::copy_to_device(b.get(), h.data(), n);
        return b;
      };
      Buf x = up(shapes[0].size()), w = up(shapes[1].size()), b = up(K), dy = up(out_shapes[0].size());
      Buf y(out_shapes[0].size()), dx(shapes[0].size()), dw(shapes[1].size()), db(K);
      std::vector<TensorView> din = {{x.get(), shapes[0]}, {w.get(), shapes[1]}, {b.get(), shapes[2]}};
      std::vector<TensorView> dout = {{y.get(), out_shapes[0]}}, dgout = {{dy.get(), out_shapes[0]}};
      std::vector<TensorView> gd = {{dx.get(), shapes[0]}, {}, {}};
      std::vector<TensorView> gw = {{}, {dw.get(), shapes[1]}, {db.get(), shapes[2]}};
      auto fwd = [&] { run_forward(Backend::cuda, op, OpArgs{din, dout, Workspace{}}); };
      auto bd = [&] { run_backward(Backend::cuda, op, OpGradArgs{din, dout, dgout, gd, Workspace{}}); };
      auto bw = [&] { run_backward(Backend::cuda, op, OpGradArgs{din, dout, dgout, gw, Workspace{}}); };
      auto timed = [&](const std::function<void()>& fn) {
        for (int i = 0; i < warmup; ++i) fn();
        cuda::synchronize("conv3d");
        std::vector<double> ms;
        for (int i = 0; i < repeats; ++i) ms.push_back(cuda::time_ms(fn));
        return median(ms);
      };
      std::ostringstream o;
      o << "{\"name\": \"" << name << "\"";
      const char* names[3] = {"forward", "backward_data", "backward_weight"};
      const std::function<void()> fns[3] = {fwd, bd, bw};
      const Buf* outs[3] = {&y, &dx, &dw};
      for (int pass = 0; pass < 3; ++pass) {
        std::vector<float> ref;
        double simple_ms = -1;
        if (with_simple) {
          Buf r(outs[pass]->n);
          simple_ms = cuda::time_ms([&] {
            if (pass == 0)
              simple::launch<kFwd>(D, g, D.Kg, D.N * D.out_sp, D.Cg * D.kvol, w.get(), x.get(), b.get(), r.get());
            else if (pass == 1)
              simple::launch<kBwdData>(D, g, D.Cg, D.N * D.in_sp, D.Kg * D.kvol, w.get(), dy.get(), nullptr, r.get());
            else
              simple::launch<kBwdWeight>(D, g, D.Kg, D.Cg * D.kvol, D.N * D.out_sp, dy.get(), x.get(), nullptr,
                                         r.get());
          });
          ref = r.down();
        }
        o << ", \"" << names[pass] << "\": {\"simpleMs\": " << simple_ms << ", \"math\": \"" << math << "\"";
        {
          fns[pass]();
          cuda::synchronize("conv3d");
          const std::vector<float> first = outs[pass]->down();
          fns[pass]();
          cuda::synchronize("conv3d");
          const bool same = first == outs[pass]->down();
          const double ms = timed(fns[pass]);
          const double err = with_simple ? worst(first, ref, outs[pass]->n) : -1;
          const bool ok = same && err <= 1;
          failures += !ok;
          const std::string plan = pass == 0   ? plan_json<kFwd>(D, g, tc)
                                   : pass == 1 ? plan_json<kBwdData>(D, g, tc)
                                               : plan_json<kBwdWeight>(D, g, tc);
          o << ", \"ms\": " << ms << ", \"plan\": " << plan << ", \"errVsSimple\": " << err
            << ", \"deterministic\": " << (same ? "true" : "false") << ", \"ok\": " << (ok ? "true" : "false");
        }
        o << "}";
      }
      {  // the bias gradient against a float64 host sum
        const std::vector<float> hdy = dy.down(), hdb = db.down();
        double w = 0;
        for (int64_t kk = 0; kk < K; ++kk) {
          double acc = 0;
          for (int64_t n = 0; n < N; ++n)
            for (int64_t i = 0; i < D.out_sp; ++i) acc += hdy[(n * K + kk) * D.out_sp + i];
          w = std::max(w, std::fabs(hdb[kk] - acc) / (1e-4 + 1e-5 * std::fabs(acc)));
        }
        failures += w > 1;
        o << ", \"biasGradErr\": " << w;
      }
      o << "}";
      std::printf("%s\n", o.str().c_str());
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conv3d_gpu: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "conv3d_gpu (%s): %d failures\n", math, failures);
  return failures ? 1 : 0;
}
