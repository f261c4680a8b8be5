// Node-free GPU check, for GPU machines without Node.js (benchmarks/gpu/run.sh builds and runs
// it): the same CUDA-vs-CPU case tables as test/cuda.test.ts, run through the engine directly,
// and device timings of conv3d for the benchmark.
//   cuda_check ops                  every op in ops_cuda.def vs the CPU; exit 1 on a mismatch
//   cuda_check time WARMUP REPEATS  reads layers from stdin, one per line:
//     name N C K D H W kD kH kW sD sH sW pD pH pW dD dH dW groups
//   and prints one JSON object per layer: {"name", "forward": [ms...], "backward_data": [...],
//   "backward_weight": [...]} (CUDA-event times, tensors on the device; backward-weight also
//   computes the bias gradient, as PyTorch's does).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cuda/kernels.h"
#include "cuda/memory.h"
#include "cuda/ops.h"
#include "cuda/timing.h"
#include "deepsc/registry.h"

using namespace deepsc;

namespace {

struct Host {
  std::vector<float> v;
  Shape s;
  bool present = true;
  TensorView view() { return present ? TensorView{v.data(), s} : TensorView{}; }
};

Host rand_host(const Shape& s, std::mt19937& rng, float lo, float hi) {
  std::uniform_real_distribution<float> u(lo, hi);
  Host h{std::vector<float>(static_cast<size_t>(std::max<int64_t>(s.size(), 1))), s, true};
  for (auto& x : h.v) x = u(rng);
  return h;
}

struct Device {
  std::vector<cuda::DeviceBuffer> bufs;
  TensorView alloc(const Shape& s) {
    bufs.emplace_back(std::max<int64_t>(s.size(), 1), "cuda_check");
    return {bufs.back().get(), s};
  }
  TensorView up(const TensorView& v) {
    if (!v.present()) return v;
    TensorView d = alloc(v.shape);
    cuda::copy_to_device(d.data, v.data, v.numel());
    return d;
  }
};

std::vector<float> down(const TensorView& d) {
  std::vector<float> h(static_cast<size_t>(std::max<int64_t>(d.numel(), 1)));
  cuda::copy_to_host(h.data(), d.data, d.numel());
  return h;
}

struct Case {
  const char* op;
  const char* name;
  std::vector<std::pair<const char*, AttrValue>> attrs;
  std::vector<Shape> shapes;  // rank 0 = absent
  float lo = -1, hi = 1;
};

struct Table {
  const char* op;
  double rtol, atol;
  std::vector<Case> cases;
};

// Mirrors the tables of test/cuda.test.ts (same shapes, attributes and tolerances).
std::vector<Table> tables() {
  using V = std::vector<double>;
  return {
      {"relu", 0, 0, {{"relu", "5D", {}, {{2, 3, 5, 7, 9}}}, {"relu", "long", {}, {{70001}}}}},
      {"leaky_relu", 1e-7, 0,
       {{"leaky_relu", "slope 0.2", {{"slope", 0.2}}, {{2, 4, 6, 6, 6}}}, {"leaky_relu", "default", {}, {{1000}}}}},
      {"sigmoid", 1e-6, 1e-9, {{"sigmoid", "wide", {}, {{3, 4, 5, 6}}, -30, 30}, {"sigmoid", "small", {}, {{7}}}}},
      {"add", 1e-6, 1e-6,
       {{"add", "same", {}, {{2, 3, 4, 5}, {2, 3, 4, 5}}},
        {"add", "per-channel", {}, {{2, 8, 4, 4, 4}, {1, 8, 1, 1, 1}}},
        {"add", "both broadcast", {}, {{1, 5}, {4, 1}}},
        {"add", "lower rank", {}, {{3, 4, 5}, {5}}},
        {"add", "middle axis", {}, {{2, 3, 4, 5}, {3, 1, 1}}}}},
      {"mul", 1e-6, 1e-6,
       {{"mul", "same", {}, {{2, 3, 4, 5}, {2, 3, 4, 5}}},
        {"mul", "per-channel", {}, {{2, 8, 4, 4, 4}, {1, 8, 1, 1, 1}}},
        {"mul", "both broadcast", {}, {{1, 5}, {4, 1}}},
        {"mul", "lower rank", {}, {{5}, {3, 4, 5}}},
        {"mul", "mask", {}, {{2, 1, 4, 4, 4}, {2, 3, 4, 4, 4}}}}},
      {"mul_scalar", 0, 0, {{"mul_scalar", "2.5", {{"value", 2.5}}, {{2, 3, 17}}}}},
      {"scale", 1e-6, 1e-6, {{"scale", "5D", {}, {{2, 3, 4, 5, 6}, {1}}}, {"scale", "long", {}, {{100000}, {1}}}}},
      {"conv3d", 1e-4, 1e-4,
       {{"conv3d", "3x3x3 pad 1 bias", {{"padding", 1.0}}, {{2, 4, 6, 7, 8}, {8, 4, 3, 3, 3}, {8}}},
        {"conv3d", "stride 2", {{"stride", 2.0}, {"padding", 1.0}}, {{1, 3, 9, 9, 9}, {5, 3, 3, 3, 3}, {5}}},
        {"conv3d", "dilation 2 groups 2", {{"padding", 2.0}, {"dilation", 2.0}, {"groups", 2.0}},
         {{1, 4, 8, 8, 8}, {6, 2, 3, 3, 3}, {}}},
        {"conv3d", "1x1x1 stride 2", {{"stride", 2.0}}, {{2, 16, 6, 6, 6}, {8, 16, 1, 1, 1}, {}}},
        {"conv3d", "anisotropic", {{"stride", V{1, 2, 3}}, {"padding", V{0, 1, 2}}}, {{1, 2, 5, 9, 11}, {3, 2, 1, 3, 5}, {3}}},
        {"conv3d", "several tiles", {{"padding", 1.0}}, {{1, 32, 12, 12, 12}, {64, 32, 3, 3, 3}, {64}}}}},
  };
}

double worst(const std::vector<float>& got, const std::vector<float>& want, int64_t n, double rtol, double atol) {
  double w = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (std::isnan(got[i]) != std::isnan(want[i])) return INFINITY;
    if (d == 0) continue;
    w = std::max(w, d / (atol + rtol * std::fabs(static_cast<double>(want[i]))));
  }
  return w;
}

int check_ops() {
  int failures = 0, checked = 0;
  std::mt19937 rng(2024);
  auto names = cuda::op_names();
  auto ts = tables();
  for (const auto& n : names)
    if (std::none_of(ts.begin(), ts.end(), [&](const Table& t) { return n == t.op; })) {
      std::printf("FAIL %s: in ops_cuda.def but has no case table\n", n.c_str());
      ++failures;
    }
  for (const Table& t : ts)
    for (const Case& c : t.cases) {
      Attrs attrs(c.op);
      for (const auto& [k, v] : c.attrs) attrs.set(k, v);
      OpInstance op = make_op(c.op, attrs);
      std::vector<Host> in;
      std::vector<Shape> shapes;
      std::vector<bool> present;
      for (const Shape& s : c.shapes) {
        in.push_back(s.rank() == 0 ? Host{{0.f}, s, false} : rand_host(s, rng, c.lo, c.hi));
        shapes.push_back(s);
        present.push_back(s.rank() != 0);
      }
      auto out_shapes = infer_shapes(op, shapes, present);
      std::vector<TensorView> hin;
      for (auto& h : in) hin.push_back(h.view());
      // CPU
      std::vector<Host> cout;
      for (const auto& s : out_shapes) cout.push_back(Host{std::vector<float>(std::max<int64_t>(s.size(), 1)), s, true});
      std::vector<TensorView> hout;
      for (auto& h : cout) hout.push_back(h.view());
      int64_t wsf = std::max(workspace_floats(op, shapes, Pass::forward), workspace_floats(op, shapes, Pass::backward));
      AlignedBuffer ws = alloc_floats(std::max<int64_t>(wsf, 1));
      run_forward(Backend::cpu, op, OpArgs{hin, hout, Workspace{ws.get(), wsf}});
      std::vector<Host> gout;
      for (const auto& s : out_shapes) gout.push_back(rand_host(s, rng, -1, 1));
      std::vector<TensorView> hgout;
      for (auto& h : gout) hgout.push_back(h.view());
      std::vector<Host> cgrad;
      std::vector<TensorView> hgrad;
      for (size_t i = 0; i < in.size(); ++i)
        cgrad.push_back(Host{std::vector<float>(std::max<int64_t>(shapes[i].size(), 1)), shapes[i], present[i]});
      for (auto& h : cgrad) hgrad.push_back(h.view());
      run_backward(Backend::cpu, op, OpGradArgs{hin, hout, hgout, hgrad, Workspace{ws.get(), wsf}});
      // CUDA, twice (the second run must be bitwise equal)
      std::vector<std::vector<float>> first;
      for (int rep = 0; rep < 2; ++rep) {
        Device dev;
        std::vector<TensorView> din, dout, dgout, dgrad;
        for (auto& v : hin) din.push_back(dev.up(v));
        for (const auto& s : out_shapes) dout.push_back(dev.alloc(s));
        run_forward(Backend::cuda, op, OpArgs{din, dout, Workspace{}});
        std::vector<TensorView> dcpu_out;
        for (auto& v : hout) dcpu_out.push_back(dev.up(v));  // backward from the CPU's outputs, as the TS test
        for (auto& v : hgout) dgout.push_back(dev.up(v));
        for (size_t i = 0; i < in.size(); ++i) dgrad.push_back(present[i] ? dev.alloc(shapes[i]) : TensorView{});
        run_backward(Backend::cuda, op, OpGradArgs{din, dcpu_out, dgout, dgrad, Workspace{}});
        cuda::synchronize(c.op);
        std::vector<std::vector<float>> res;
        for (auto& d : dout) res.push_back(down(d));
        for (auto& d : dgrad)
          if (d.present()) res.push_back(down(d));
        if (rep == 0) {
          first = res;
          double w = 0;
          for (size_t i = 0; i < cout.size(); ++i)
            w = std::max(w, worst(res[i], cout[i].v, out_shapes[i].size(), t.rtol, t.atol));
          size_t k = cout.size();
          for (size_t i = 0; i < in.size(); ++i)
            if (present[i]) w = std::max(w, worst(res[k++], cgrad[i].v, shapes[i].size(), t.rtol, t.atol));
          const bool ok = w <= 1;
          failures += !ok;
          ++checked;
          std::printf("%s %s / %s: worst error %.3g of the tolerance (rtol %g, atol %g)\n", ok ? "ok  " : "FAIL", c.op,
                      c.name, w, t.rtol, t.atol);
        } else if (res != first) {
          std::printf("FAIL %s / %s: a second CUDA run differs (not deterministic)\n", c.op, c.name);
          ++failures;
        }
      }
    }
  std::printf("%d cases checked, %d failures\n", checked, failures);
  return failures == 0 ? 0 : 1;
}

std::string json_list(const std::vector<double>& v) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << v[i];
  return o.str() + "]";
}

int time_layers(int warmup, int repeats) {
  std::string line;
  std::mt19937 rng(1);
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string name;
    int64_t N, C, K, g;
    std::array<int64_t, 3> sz{}, k{}, s{}, p{}, d{};
    in >> name >> N >> C >> K >> sz[0] >> sz[1] >> sz[2] >> k[0] >> k[1] >> k[2] >> s[0] >> s[1] >> s[2] >> p[0] >> p[1] >>
        p[2] >> d[0] >> d[1] >> d[2] >> g;
    if (!in) continue;
    Attrs attrs("conv3d");
    auto tri = [](const std::array<int64_t, 3>& v) { return std::vector<double>(v.begin(), v.end()); };
    attrs.set("stride", tri(s));
    attrs.set("padding", tri(p));
    attrs.set("dilation", tri(d));
    attrs.set("groups", static_cast<double>(g));
    OpInstance op = make_op("conv3d", attrs);
    std::vector<Shape> shapes = {Shape{N, C, sz[0], sz[1], sz[2]}, Shape{K, C / g, k[0], k[1], k[2]}, Shape{K}};
    std::vector<bool> present = {true, true, true};
    auto out_shapes = infer_shapes(op, shapes, present);
    Device dev;
    std::vector<TensorView> din, dout;
    for (const auto& sh : shapes) {
      Host h = rand_host(sh, rng, -1, 1);
      din.push_back(dev.up(h.view()));
    }
    dout.push_back(dev.alloc(out_shapes[0]));
    TensorView dx = dev.alloc(shapes[0]), dw = dev.alloc(shapes[1]), db = dev.alloc(shapes[2]);
    auto timed = [&](const std::function<void()>& fn) {
      for (int i = 0; i < warmup; ++i) fn();
      cuda::synchronize("conv3d");
      std::vector<double> ms;
      for (int i = 0; i < repeats; ++i) ms.push_back(cuda::time_ms(fn));
      return ms;
    };
    auto fwd = timed([&] { run_forward(Backend::cuda, op, OpArgs{din, dout, Workspace{}}); });
    std::vector<TensorView> gd = {dx, TensorView{}, TensorView{}}, gw = {TensorView{}, dw, db};
    auto bd = timed([&] { run_backward(Backend::cuda, op, OpGradArgs{din, dout, dout, gd, Workspace{}}); });
    auto bw = timed([&] { run_backward(Backend::cuda, op, OpGradArgs{din, dout, dout, gw, Workspace{}}); });
    std::printf("{\"name\": \"%s\", \"forward\": %s, \"backward_data\": %s, \"backward_weight\": %s}\n", name.c_str(),
                json_list(fwd).c_str(), json_list(bd).c_str(), json_list(bw).c_str());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int devices = cuda::device_count();
    if (devices == 0) {
      std::fprintf(stderr, "cuda_check: no CUDA device visible\n");
      return 2;
    }
    for (const auto& n : cuda::device_names()) std::fprintf(stderr, "cuda_check: device %s\n", n.c_str());
    if (argc >= 2 && std::strcmp(argv[1], "ops") == 0) return check_ops();
    if (argc >= 4 && std::strcmp(argv[1], "time") == 0) return time_layers(std::atoi(argv[2]), std::atoi(argv[3]));
    std::fprintf(stderr, "usage: cuda_check ops | cuda_check time WARMUP REPEATS < layers\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cuda_check: %s\n", e.what());
    return 1;
  }
}
