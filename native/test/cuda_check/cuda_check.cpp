// Node-free device timings of conv3d for benchmarks/gpu/gpu_bench.py, through the engine
// directly (no N-API, no copies in the timed region). The CUDA-vs-CPU checks are the TypeScript
// tables of test/cuda/ (run by test/cuda.test.ts and test/cuda/run-checks.ts).
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
    if (argc >= 4 && std::strcmp(argv[1], "time") == 0) return time_layers(std::atoi(argv[2]), std::atoi(argv[3]));
    std::fprintf(stderr, "usage: cuda_check time WARMUP REPEATS < layers\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cuda_check: %s\n", e.what());
    return 1;
  }
}
