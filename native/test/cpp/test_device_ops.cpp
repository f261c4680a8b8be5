// graph/device_ops.h on the CPU (the loops the executor and the optimizer run), and the
// device side's behaviour in a build without CUDA (these tests build with DEEPSC_CUDA=OFF):
// every Backend::cuda call fails with a clear Error instead of touching host memory.
#include <cstring>
#include <string>
#include <vector>

#include "graph/device_ops.h"
#include "graph/memory.h"
#include "harness.h"

using deepsc::Backend;
namespace g = deepsc::graph;

DEEPSC_TEST(device_ops_cpu_fill_add_divide_scale_copy) {
  // Longer than one parallel grain (1 << 15), so the split loops are covered.
  const int64_t n = (1 << 16) + 37;
  std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(n)), out(static_cast<size_t>(n));
  g::fill(Backend::cpu, a.data(), n, 1.5f);
  for (int64_t i = 0; i < n; ++i) b[static_cast<size_t>(i)] = static_cast<float>(i % 7) - 3.f;
  g::add_into(Backend::cpu, a.data(), b.data(), n);
  for (int64_t i = 0; i < n; ++i)
    DEEPSC_EXPECT(a[static_cast<size_t>(i)] == 1.5f + (static_cast<float>(i % 7) - 3.f), "add_into at " + std::to_string(i));
  g::divide_into(Backend::cpu, out.data(), a.data(), n, 3.f);
  g::scale_into(Backend::cpu, a.data(), n, 0.25f);
  for (int64_t i = 0; i < n; ++i) {
    const float v = 1.5f + (static_cast<float>(i % 7) - 3.f);
    DEEPSC_EXPECT(out[static_cast<size_t>(i)] == v / 3.f, "divide_into at " + std::to_string(i));
    DEEPSC_EXPECT(a[static_cast<size_t>(i)] == v * 0.25f, "scale_into at " + std::to_string(i));
  }
  // divide_into in place (dst == src).
  g::divide_into(Backend::cpu, out.data(), out.data(), n, 2.f);
  DEEPSC_EXPECT(out[5] == (1.5f + (5.f - 3.f)) / 3.f / 2.f, "divide_into in place");
  g::copy_in(Backend::cpu, out.data(), b.data(), n);
  DEEPSC_EXPECT(std::memcmp(out.data(), b.data(), static_cast<size_t>(n) * sizeof(float)) == 0, "copy_in");
  g::fill(Backend::cpu, out.data(), n, 0.f);
  g::copy_out(Backend::cpu, out.data(), b.data(), n);
  DEEPSC_EXPECT(std::memcmp(out.data(), b.data(), static_cast<size_t>(n) * sizeof(float)) == 0, "copy_out");
  // n <= 0 touches nothing (null pointers are fine).
  g::fill(Backend::cpu, nullptr, 0, 1.f);
  g::add_into(Backend::cpu, nullptr, nullptr, 0);
  g::copy_in(Backend::cpu, nullptr, nullptr, -1);
  g::sync(Backend::cpu, "noop");
  g::check_launch(Backend::cpu, "noop");
}

#ifndef DEEPSC_HAVE_CUDA
DEEPSC_TEST(device_ops_cuda_without_cuda_build_fails_clearly) {
  float x[4] = {1, 2, 3, 4};
  auto expect_fails = [](const char* what, const auto& fn) {
    try {
      fn();
    } catch (const deepsc::Error& e) {
      DEEPSC_EXPECT(std::string(e.what()).find("without the CUDA backend") != std::string::npos,
                    std::string(what) + ": unexpected message: " + e.what());
      return;
    }
    throw deepsc::test::Failure{std::string(what) + ": did not throw"};
  };
  expect_fails("fill", [&] { g::fill(Backend::cuda, x, 4, 0.f); });
  expect_fails("add_into", [&] { g::add_into(Backend::cuda, x, x, 4); });
  expect_fails("copy_in", [&] { g::copy_in(Backend::cuda, x, x, 4); });
  expect_fails("copy_out", [&] { g::copy_out(Backend::cuda, x, x, 4); });
  expect_fails("sync", [&] { g::sync(Backend::cuda, "sync"); });
  const int64_t before = g::live_bytes(g::MemoryCategory::arenas);
  expect_fails("TrackedBuffer", [&] { g::TrackedBuffer b(16, g::MemoryCategory::arenas, "test", Backend::cuda); });
  DEEPSC_EXPECT(g::live_bytes(g::MemoryCategory::arenas) == before, "a failed device allocation counts nothing");
  DEEPSC_EXPECT(x[0] == 1.f && x[3] == 4.f, "host memory untouched");
}
#endif
