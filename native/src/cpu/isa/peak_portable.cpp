// Portable multiply-add peak (baseline ISA; separate multiply and add).
#include "cpu/isa/peak_isa.h"

namespace deepsc::cpu {

double peak_fma_portable(int64_t iters, float* sink) {
  constexpr int kAcc = 32;
  float acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = 0.001f * static_cast<float>(i);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < kAcc; ++i) acc[i] = acc[i] * 0.999999f + 1e-7f;
  for (float v : acc) *sink += v;
  return static_cast<double>(iters) * kAcc * 2;
}

}  // namespace deepsc::cpu
