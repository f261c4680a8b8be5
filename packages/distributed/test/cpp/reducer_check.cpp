// The gradient reducer, the collective queue and the process group under ThreadSanitizer, or
// AddressSanitizer + UBSan: 2 ranks as 2 threads of one process (file-store rendezvous in the
// folder given), 3 steps of gradients of mixed sizes (packed buckets, a small first bucket, one
// gradient larger than a bucket reduced in place) handed over in reverse order as a backward
// does; every element must be the exact mean (2 ranks: (a + b) / 2 is exact). Built and run by
// scripts/sanitizer-check.mjs (not part of npm test: it compiles twice).
#include <cstdio>
#include <thread>
#include <vector>
#include <random>
#include "gradient_reducer.h"
using namespace deepsc::dist;
int main(int argc, char** argv) {
  const std::string dir = argv[1];
  const int W = 2;
  std::vector<std::vector<std::vector<float>>> grads(W);
  std::vector<int> sizes{3, 1000, 70000, 5, 300000, 17, 2};
  for (int r = 0; r < W; ++r) {
    std::mt19937 g(r + 1);
    std::uniform_real_distribution<float> d(-1, 1);
    for (int n : sizes) { std::vector<float> v(n); for (auto& x : v) x = d(g); grads[r].push_back(v); }
  }
  auto orig = grads;
  int failures = 0;
  std::vector<std::thread> ts;
  for (int r = 0; r < W; ++r) ts.emplace_back([&, r] {
    GroupOptions o; o.rank = r; o.size = W; o.store_path = dir; o.job_id = "chk"; o.hostname = "127.0.0.1"; o.timeout = std::chrono::milliseconds(10000);
    auto group = std::make_shared<Group>(o);
    group->pg.connect();
    auto red = std::make_shared<GradientReducer>(group, 64 * 1024, 4096);
    auto h = red->hook();
    for (int step = 0; step < 3; ++step) {
      auto& gs = grads[r];
      if (step > 0) gs = orig[r];
      for (size_t i = gs.size(); i-- > 0;) h.ready(h.ctx, (int)i, gs[i].data(), (int64_t)gs[i].size());
      h.flush(h.ctx);
      char err[256];
      if (h.wait(h.ctx, err, sizeof err) != 0) { std::printf("wait failed: %s\n", err); ++failures; }
      for (size_t i = 0; i < gs.size(); ++i)
        for (size_t k = 0; k < gs[i].size(); ++k) {
          const float want = (orig[0][i][k] + orig[1][i][k]) / 2;
          if (gs[i][k] != want) { ++failures; if (failures < 5) std::printf("rank %d param %zu [%zu]: %g vs %g\n", r, i, k, gs[i][k], want); }
        }
    }
    std::printf("rank %d buckets %zu\n", r, red->buckets());
    group->queue.stop();
  });
  for (auto& t : ts) t.join();
  std::printf("failures %d\n", failures);
  return failures ? 1 : 0;
}
