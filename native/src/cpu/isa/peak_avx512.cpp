// AVX-512 FMA peak: 24 independent zmm accumulators (latency 4 x 2 pipes needs >= 8).
#include <immintrin.h>

#include "cpu/isa/peak_isa.h"

namespace deepsc::cpu {

double peak_fma_avx512(int64_t iters, float* sink) {
  constexpr int kAcc = 24;
  __m512 acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = _mm512_set1_ps(0.001f * static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it)
#pragma GCC unroll 24
    for (int i = 0; i < kAcc; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 s = acc[0];
  for (int i = 1; i < kAcc; ++i) s = _mm512_add_ps(s, acc[i]);
  *sink += _mm512_reduce_add_ps(s);
  return static_cast<double>(iters) * kAcc * 16 * 2;
}

}  // namespace deepsc::cpu
