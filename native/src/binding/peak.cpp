// The FMA microbenchmark behind binding.peakFlops(): every benchmark figure reads against it.
#include "binding/peak.h"

#include <chrono>
#include <vector>

#include "binding/convert.h"
#include "cpu/isa/peak_isa.h"
#include "deepsc/cpu_features.h"
#include "deepsc/threadpool.h"

namespace deepsc::binding {

namespace {

double fma_round(Isa isa, int64_t iters, float* sink) {
  switch (isa) {
    case Isa::avx512: return cpu::peak_fma_avx512(iters, sink);
    case Isa::avx2: return cpu::peak_fma_avx2(iters, sink);
    default: return cpu::peak_fma_portable(iters, sink);
  }
}

}  // namespace

Napi::Value peak_flops_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    double seconds = 0.5;
    if (info.Length() > 0 && !info[0].IsUndefined()) {
      if (!info[0].IsNumber()) fail(ErrorKind::Type, "peakFlops", "seconds must be a number");
      seconds = info[0].As<Napi::Number>().DoubleValue();
      if (!(seconds > 0 && seconds <= 60)) fail(ErrorKind::Range, "peakFlops", "seconds must be in (0, 60], got " + std::to_string(seconds));
    }
    const Isa isa = active_isa();
    ThreadPool& pool = ThreadPool::global();
    const int threads = pool.size();
    // Calibrate one round to ~10 ms on this thread, then run `seconds` worth on every worker.
    float sink = 0;
    int64_t iters = 1 << 14;
    for (;;) {
      const auto t0 = std::chrono::steady_clock::now();
      fma_round(isa, iters, &sink);
      const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (dt > 0.01 || iters > (int64_t(1) << 40)) break;
      iters *= 2;
    }
    const int64_t rounds = std::max<int64_t>(1, static_cast<int64_t>(seconds / 0.01));
    std::vector<float> sinks(static_cast<size_t>(threads), 0.f);
    std::vector<double> flops(static_cast<size_t>(threads), 0.0);
    const auto t0 = std::chrono::steady_clock::now();
    pool.run(threads, [&](int64_t task, int) {
      for (int64_t r = 0; r < rounds; ++r) flops[task] += fma_round(isa, iters, &sinks[task]);
    });
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double total = 0;
    for (double f : flops) total += f;
    Napi::Object o = Napi::Object::New(env);
    o.Set("gflops", total / dt / 1e9);
    o.Set("perThreadGflops", total / dt / 1e9 / threads);
    o.Set("threads", threads);
    o.Set("isa", isa_name(isa));
    o.Set("seconds", dt);
    o.Set("sink", sink + sinks[0]);
    return o;
  });
}

}  // namespace deepsc::binding
