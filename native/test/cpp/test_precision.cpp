// deepsc/precision.h: the names, and the TF32 (ties away from zero) and bfloat16 (ties to even)
// roundings against a table of exact expectations (ties both ways, carries into the next
// binade and past the largest finite value, subnormals, signed zeros, infinities, NaNs) and
// against an independent float64 reference over many bit patterns.
#include <cmath>
#include <cstdio>
#include <random>

#include "deepsc/precision.h"
#include "harness.h"

using namespace deepsc;

namespace {

float f_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
uint32_t u_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
std::string hex(float f) {
  char b[64];
  std::snprintf(b, sizeof b, "%a (0x%08x)", static_cast<double>(f), u_of(f));
  return b;
}

// x rounded to `mant` mantissa bits with fp32's exponent range (subnormal spacing 2^(-126 -
// mant)), computed in float64 by scaling to an integer: exact for every float input.
double reference_round(double x, int mant, bool ties_even) {
  if (x == 0 || std::isinf(x)) return x;
  int e;
  std::frexp(x, &e);  // |x| = f 2^e, f in [0.5, 1)
  const int ex = std::max(e - 1, -126);
  const double q = std::ldexp(1.0, ex - mant);  // the spacing at |x|
  const double r = std::fabs(x) / q;             // exact: a power-of-two scaling
  double n = std::floor(r);
  const double rest = r - n;
  if (rest > 0.5 || (rest == 0.5 && (!ties_even || std::fmod(n, 2.0) == 1.0))) n += 1;
  const double v = n * q;
  return std::copysign(v >= 0x1p128 ? INFINITY : v, x);
}

struct Row {
  const char* what;
  float in;
  float tf32;  // expected round_tf32(in)
  float bf16;  // expected round_bf16(in)
};

const float inf = INFINITY, max_f = 0x1.fffffep127f, min_sub = 0x1p-149f;

const Row rows[] = {
    {"zero", 0.f, 0.f, 0.f},
    {"one", 1.f, 1.f, 1.f},
    {"exact in both", 1.5f, 1.5f, 1.5f},
    {"exact in tf32, bf16 tie to even (down)", 0x1.01p0f, 0x1.01p0f, 1.f},
    {"tf32 tie, kept part even: away (up); bf16 below half", 0x1.002p0f, 0x1.004p0f, 1.f},
    {"tf32 tie, negative: away from zero", -0x1.002p0f, -0x1.004p0f, -1.f},
    {"tf32 tie, kept part odd: away (up)", 0x1.006p0f, 0x1.008p0f, 1.f},
    {"just below the tf32 tie", 0x1.001ffep0f, 1.f, 1.f},
    {"just above the tf32 tie", 0x1.002002p0f, 0x1.004p0f, 1.f},
    {"bf16 tie, kept part odd: to even (up)", 0x1.03p0f, 0x1.03p0f, 0x1.04p0f},
    {"bf16 tie, negative, kept part even: down in magnitude", -0x1.01p0f, -0x1.01p0f, -1.f},
    {"just above the bf16 tie", 0x1.010002p0f, 0x1.01p0f, 0x1.02p0f},
    {"carry into the next binade", 0x1.fffp0f, 2.f, 2.f},
    {"pi", 0x1.921fb6p1f, 0x1.92p1f, 0x1.92p1f},
    {"largest tf32 value", 0x1.ffcp127f, 0x1.ffcp127f, inf},
    {"largest bf16 value", 0x1.fep127f, 0x1.fep127f, 0x1.fep127f},
    {"just below the bf16 overflow tie", 0x1.fefffep127f, 0x1.ffp127f, 0x1.fep127f},
    {"the bf16 overflow tie (kept part odd): infinity", 0x1.ffp127f, 0x1.ffp127f, inf},
    {"the tf32 overflow tie: infinity", 0x1.ffep127f, inf, inf},
    {"largest float", max_f, inf, inf},
    {"negative largest float", -max_f, -inf, -inf},
    {"smallest normal", 0x1p-126f, 0x1p-126f, 0x1p-126f},
    {"largest subnormal rounds up to the smallest normal", 0x1.fffffcp-127f, 0x1p-126f, 0x1p-126f},
    {"smallest subnormal", min_sub, 0.f, 0.f},
    {"negative smallest subnormal keeps its sign", -min_sub, -0.f, -0.f},
    {"tf32 subnormal tie (kept 0): away", 0x1p-137f, 0x1p-136f, 0.f},
    {"tf32 subnormal, above half", 0x1.8p-137f, 0x1p-136f, 0.f},
    {"tf32 subnormal tie (kept 1): away", 0x1.8p-136f, 0x1p-135f, 0.f},
    {"bf16 subnormal tie (kept 0, even): down", 0x1p-134f, 0x1p-134f, 0.f},
    {"bf16 subnormal tie (kept 1, odd): up", 0x1.8p-133f, 0x1.8p-133f, 0x1p-132f},
    {"bf16 subnormal just above the tie", 0x1.0002p-134f, 0x1p-134f, 0x1p-133f},
    {"bf16 subnormal exact", 0x1.4p-130f, 0x1.4p-130f, 0x1.4p-130f},
    {"infinity", inf, inf, inf},
    {"negative infinity", -inf, -inf, -inf},
};

}  // namespace

DEEPSC_TEST(precision_names_parse_and_refuse) {
  for (Precision p : {Precision::fp32, Precision::tf32, Precision::bf16}) {
    Precision got = p == Precision::fp32 ? Precision::bf16 : Precision::fp32;
    DEEPSC_EXPECT(parse_precision(precision_name(p), got) && got == p, std::string("round trip of ") + precision_name(p));
  }
  for (const char* bad : {"", "FP32", "fp16", "bfloat16", "tf32 ", "float32"}) {
    Precision got = Precision::tf32;
    DEEPSC_EXPECT(!parse_precision(bad, got), std::string("'") + bad + "' must not parse");
    DEEPSC_EXPECT(got == Precision::tf32, "a refused name leaves the output alone");
  }
  DEEPSC_EXPECT(operand_roundoff(Precision::tf32) == 0x1p-11 && operand_roundoff(Precision::bf16) == 0x1p-8 &&
                    operand_roundoff(Precision::fp32) == 0x1p-24,
                "operand roundoffs");
}

DEEPSC_TEST(precision_rounding_table) {
  for (const Row& r : rows) {
    const float t = round_tf32(r.in), b = round_bf16(r.in);
    DEEPSC_EXPECT(u_of(t) == u_of(r.tf32), std::string(r.what) + ": tf32 of " + hex(r.in) + " is " + hex(t) +
                                               ", expected " + hex(r.tf32));
    DEEPSC_EXPECT(u_of(b) == u_of(r.bf16), std::string(r.what) + ": bf16 of " + hex(r.in) + " is " + hex(b) +
                                               ", expected " + hex(r.bf16));
    // the table's expectations agree with the float64 reference too
    DEEPSC_EXPECT(u_of(static_cast<float>(reference_round(r.in, 10, false))) == u_of(r.tf32),
                  std::string(r.what) + ": the table's tf32 expectation disagrees with the reference");
    DEEPSC_EXPECT(u_of(static_cast<float>(reference_round(r.in, 7, true))) == u_of(r.bf16),
                  std::string(r.what) + ": the table's bf16 expectation disagrees with the reference");
    DEEPSC_EXPECT((tf32_bits(r.in) & 0x1fffu) == 0, std::string(r.what) + ": tf32's low 13 bits must be zero");
    DEEPSC_EXPECT(static_cast<uint32_t>(bf16_bits(r.in)) == u_of(b) >> 16, std::string(r.what) + ": bf16 pattern");
  }
}

DEEPSC_TEST(precision_rounding_nans_stay_nans) {
  // quiet, signalling (payload only in the low bits, which a plain add-and-mask would turn
  // into an infinity), negative
  for (uint32_t u : {0x7fc00000u, 0x7f800001u, 0x7f801000u, 0xffc00000u, 0xff800001u, 0x7fffffffu}) {
    const float x = f_of(u);
    DEEPSC_EXPECT(std::isnan(round_tf32(x)), "tf32 of NaN " + hex(x) + " is " + hex(round_tf32(x)));
    DEEPSC_EXPECT(tf32_bits(x) == ((u & 0x80000000u) | 0x7fffe000u), "tf32 of NaN " + hex(x) + ": the quiet NaN");
    DEEPSC_EXPECT(bf16_bits(x) == 0x7fff, "bf16 of NaN " + hex(x) + ": the canonical NaN");
  }
}

DEEPSC_TEST(precision_rounding_matches_float64_reference) {
  std::mt19937 rng(16);
  int checked = 0;
  auto check = [&](uint32_t u) {
    const float x = f_of(u);
    if (std::isnan(x)) return;
    const float wt = static_cast<float>(reference_round(x, 10, false)), wb = static_cast<float>(reference_round(x, 7, true));
    DEEPSC_EXPECT(u_of(round_tf32(x)) == u_of(wt), "tf32 of " + hex(x) + " is " + hex(round_tf32(x)) + ", expected " + hex(wt));
    DEEPSC_EXPECT(u_of(round_bf16(x)) == u_of(wb), "bf16 of " + hex(x) + " is " + hex(round_bf16(x)) + ", expected " + hex(wb));
    DEEPSC_EXPECT(round_operand(Precision::tf32, x) == round_tf32(x) || std::isnan(x), "round_operand(tf32)");
    ++checked;
  };
  for (int i = 0; i < 200000; ++i) check(static_cast<uint32_t>(rng()));
  // every binade, at and around the ties and the carries of both formats
  for (uint32_t e = 0; e < 256; ++e)
    for (uint32_t low : {0u, 1u, 0xfffu, 0x1000u, 0x1001u, 0x2fffu, 0x3000u, 0x7fffu, 0x8000u, 0x8001u, 0x17fffu,
                         0x18000u, 0x7fe000u, 0x7ff000u, 0x7fffffu})
      for (uint32_t s : {0u, 0x80000000u}) check(s | (e << 23) | low);
  DEEPSC_EXPECT(checked > 200000, "the sweep ran");
}
