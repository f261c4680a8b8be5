#pragma once
// Runtime SIMD dispatch. The default build has no -march flag; per-ISA kernels live in
// src/cpu/isa/*_{avx512,avx2,portable}.cpp and are chosen here at run time.
#include <string>

namespace deepsc {

enum class Isa { portable = 0, avx2 = 1, avx512 = 2 };

/// The best ISA this CPU and OS support, capped by DEEPSC_ISA=portable|avx2|avx512 if set
/// (used by the tests to run every path on one machine).
Isa active_isa();
/// The best ISA the hardware supports, ignoring DEEPSC_ISA.
Isa detected_isa();
/// Sets the active ISA for this process (capped at detected_isa()); returns the one in force.
Isa set_active_isa(Isa isa);
const char* isa_name(Isa isa);
bool parse_isa(const std::string& s, Isa* out);

}  // namespace deepsc
