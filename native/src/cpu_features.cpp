#include "deepsc/cpu_features.h"

#include <atomic>
#include <cstdlib>

namespace deepsc {

namespace {

#if defined(__x86_64__) || defined(__i386__)
unsigned long long xgetbv0() {
  unsigned int eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}
#endif

Isa probe() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("osxsave")) return Isa::portable;
  const unsigned long long xcr0 = xgetbv0();
  const bool ymm = (xcr0 & 0x6) == 0x6;     // SSE + AVX state
  const bool zmm = (xcr0 & 0xe6) == 0xe6;   // + opmask, ZMM_Hi256, Hi16_ZMM
  if (zmm && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return Isa::avx512;
  if (ymm && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
#endif
  return Isa::portable;
}

Isa initial() {
  Isa hw = detected_isa();
  if (const char* env = std::getenv("DEEPSC_ISA")) {
    Isa want;
    if (parse_isa(env, &want) && want < hw) return want;
  }
  return hw;
}

std::atomic<int>& active() {
  static std::atomic<int> a{static_cast<int>(initial())};
  return a;
}

}  // namespace

Isa detected_isa() {
  static const Isa hw = probe();
  return hw;
}

Isa active_isa() { return static_cast<Isa>(active().load(std::memory_order_relaxed)); }

Isa set_active_isa(Isa isa) {
  Isa hw = detected_isa();
  Isa v = isa < hw ? isa : hw;
  active().store(static_cast<int>(v), std::memory_order_relaxed);
  return v;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "portable";
  }
}

bool parse_isa(const std::string& s, Isa* out) {
  if (s == "avx512") *out = Isa::avx512;
  else if (s == "avx2") *out = Isa::avx2;
  else if (s == "portable") *out = Isa::portable;
  else return false;
  return true;
}

}  // namespace deepsc
