#pragma once
// FMA throughput microbenchmark, one translation unit per ISA: `iters` rounds of independent
// multiply-adds on enough accumulators to hide the FMA latency. Returns the floating-point
// operations done (2 per lane per FMA); the result is folded into `*sink` so nothing is elided.
#include <cstdint>

namespace deepsc::cpu {

double peak_fma_avx512(int64_t iters, float* sink);
double peak_fma_avx2(int64_t iters, float* sink);
double peak_fma_portable(int64_t iters, float* sink);

}  // namespace deepsc::cpu
