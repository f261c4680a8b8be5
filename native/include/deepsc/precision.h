#pragma once
// The math precision of a compiled graph (`precision` in the compile options) and the two
// roundings the tensor-core kernels apply to their operands, one implementation for C++ and
// CUDA:
//   fp32  every product and sum in fp32 (FFMA); the default, and the only precision of the CPU
//         kernels.
//   tf32  matrix operands rounded to TF32 (fp32's 8 exponent bits, 10 mantissa bits) the way
//         the tensor cores' `cvt.rna.tf32.f32` does it: to nearest, ties away from zero.
//         Relative error of one rounding <= 2^-11.
//   bf16  matrix operands rounded to bfloat16 (8 exponent bits, 7 mantissa bits) to nearest,
//         ties to even (`cvt.rn.bf16.f32`, `__float2bfloat16_rn`). Relative error <= 2^-8.
// In both, the products of two rounded operands are exact in fp32 and accumulate in fp32.
//
// Host code computes the roundings with integer arithmetic on the bit pattern; device code
// (sm_80 and newer) uses the conversion instructions, and test/cuda_emu/gpu/conv3d_lowp_gpu.cu
// checks on a GPU that the two agree bit for bit. Values: subnormal inputs round like any
// other (no flush to zero), infinities stay infinite, a finite value that rounds past the
// largest finite value becomes an infinity of its sign; NaN stays NaN (tf32: the quiet NaN
// 0x7fffe000 with the input's sign; bf16: the canonical 0x7fff, as CUDA's host conversion
// gives; the payload is not kept).
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__CUDACC__)
#define DEEPSC_HD __host__ __device__
#else
#define DEEPSC_HD
#endif

namespace deepsc {

enum class Precision : uint8_t { fp32 = 0, tf32 = 1, bf16 = 2 };

/// "fp32", "tf32" or "bf16".
constexpr const char* precision_name(Precision p) {
  return p == Precision::tf32 ? "tf32" : p == Precision::bf16 ? "bf16" : "fp32";
}

/// Parses "fp32", "tf32" or "bf16" (exactly, lower case); false for anything else.
constexpr bool parse_precision(std::string_view s, Precision& out) {
  for (Precision p : {Precision::fp32, Precision::tf32, Precision::bf16})
    if (s == precision_name(p)) {
      out = p;
      return true;
    }
  return false;
}

/// The relative error of rounding one operand to precision p (half an ulp of its mantissa):
/// 2^-24 (fp32: none beyond the input's own), 2^-11 (tf32), 2^-8 (bf16).
constexpr double operand_roundoff(Precision p) {
  return p == Precision::tf32 ? 1.0 / 2048 : p == Precision::bf16 ? 1.0 / 256 : 1.0 / 16777216;
}

namespace precision_detail {

DEEPSC_HD inline uint32_t bits(float x) {
#ifdef __CUDA_ARCH__
  return __float_as_uint(x);
#else
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}

DEEPSC_HD inline float from_bits(uint32_t u) {
#ifdef __CUDA_ARCH__
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

DEEPSC_HD constexpr bool is_nan_bits(uint32_t u) { return (u & 0x7fffffffu) > 0x7f800000u; }

}  // namespace precision_detail

/// The bit pattern of x rounded to TF32 (an fp32 pattern whose low 13 bits are zero), to
/// nearest with ties away from zero.
DEEPSC_HD inline uint32_t tf32_bits(float x) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return r;
#else
  const uint32_t u = precision_detail::bits(x);
  if (precision_detail::is_nan_bits(u)) return (u & 0x80000000u) | 0x7fffe000u;
  // Adding half of the dropped part's weight carries into the kept bits exactly when the
  // dropped part is at least half (ties away from zero, since the sign is separate); a carry
  // out of the mantissa moves to the next binade, and past the largest finite to infinity.
  return (u + 0x1000u) & 0xffffe000u;
#endif
}

/// x rounded to TF32, as a float.
DEEPSC_HD inline float round_tf32(float x) { return precision_detail::from_bits(tf32_bits(x)); }

/// x rounded to bfloat16 (to nearest, ties to even), as its 16-bit pattern.
DEEPSC_HD inline uint16_t bf16_bits(float x) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  uint16_t r;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r) : "f"(x));
  return r;
#else
  const uint32_t u = precision_detail::bits(x);
  if (precision_detail::is_nan_bits(u)) return 0x7fff;
  // 0x7fff plus the lowest kept bit: below half rounds down, above half up, and a tie up
  // exactly when the kept part is odd.
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
#endif
}

/// The float a bfloat16 pattern stands for (exact).
DEEPSC_HD inline float bf16_value(uint16_t h) { return precision_detail::from_bits(static_cast<uint32_t>(h) << 16); }

/// x rounded to bfloat16, as a float.
DEEPSC_HD inline float round_bf16(float x) { return bf16_value(bf16_bits(x)); }

/// x rounded to the operand precision p (fp32: x itself).
DEEPSC_HD inline float round_operand(Precision p, float x) {
  return p == Precision::tf32 ? round_tf32(x) : p == Precision::bf16 ? round_bf16(x) : x;
}

}  // namespace deepsc
