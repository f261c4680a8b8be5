// AVX2 FMA peak: 12 independent ymm accumulators.
#include <immintrin.h>

#include "cpu/isa/peak_isa.h"

namespace deepsc::cpu {

double peak_fma_avx2(int64_t iters, float* sink) {
  constexpr int kAcc = 12;
  __m256 acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = _mm256_set1_ps(0.001f * static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < kAcc; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  alignas(32) float out[8];
  __m256 s = acc[0];
  for (int i = 1; i < kAcc; ++i) s = _mm256_add_ps(s, acc[i]);
  _mm256_store_ps(out, s);
  for (float v : out) *sink += v;
  return static_cast<double>(iters) * kAcc * 8 * 2;
}

}  // namespace deepsc::cpu
