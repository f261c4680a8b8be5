// AVX2 + FMA micro-kernels of the convolution engine (see conv3d_isa.h). 16 ymm registers:
// correlation tiles of 4 output channels x 2 vectors of 8 pixels, weight-gradient tiles of
// 6 entries x 2 vectors of 8 channels.
#include <immintrin.h>

#include "cpu/isa/conv3d_isa.h"

namespace deepsc::cpu::conv {

namespace {

template <int MK>
inline void corr_tile(const float* x, const int64_t* xoff, int64_t E, const float* w, const float* bias, float* y,
                      int64_t ypitch, int64_t vo) {
  __m256 acc[MK][2];
#pragma GCC unroll 4
  for (int m = 0; m < MK; ++m) acc[m][0] = acc[m][1] = bias ? _mm256_set1_ps(bias[m]) : _mm256_setzero_ps();
  for (int64_t e = 0; e < E; ++e) {
    const float* xe = x + xoff[e] + vo;
    const float* we = w + e * kOutBlock;
    const __m256 x0 = _mm256_loadu_ps(xe), x1 = _mm256_loadu_ps(xe + 8);
#pragma GCC unroll 4
    for (int m = 0; m < MK; ++m) {
      const __m256 b = _mm256_broadcast_ss(we + m);
      acc[m][0] = _mm256_fmadd_ps(b, x0, acc[m][0]);
      acc[m][1] = _mm256_fmadd_ps(b, x1, acc[m][1]);
    }
  }
#pragma GCC unroll 4
  for (int m = 0; m < MK; ++m) {
    _mm256_storeu_ps(y + m * ypitch + vo, acc[m][0]);
    _mm256_storeu_ps(y + m * ypitch + vo + 8, acc[m][1]);
  }
}

template <int MK>
void corr_half(const CorrArgs& a, const float* w, const float* bias, float* y) {
  for (int64_t v = 0; v < a.nvec; ++v) corr_tile<MK>(a.x, a.xoff, a.E, w, bias, y, a.ypitch, a.voff[v]);
}

template <int NE>
inline void wgrad_tile(const float* x, const int64_t* xoff, const float* dyT, int64_t Kpad, const WgradArgs& a, float* dw) {
  __m256 acc[NE][2];
  const float* xe[NE];
#pragma GCC unroll 6
  for (int e = 0; e < NE; ++e) {
    xe[e] = x + xoff[e];
    acc[e][0] = acc[e][1] = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t p = i * a.pitch, pe = p + a.cols; p < pe; ++p) {
      const __m256 d0 = _mm256_loadu_ps(dyT + p * Kpad), d1 = _mm256_loadu_ps(dyT + p * Kpad + 8);
#pragma GCC unroll 6
      for (int e = 0; e < NE; ++e) {
        const __m256 b = _mm256_broadcast_ss(xe[e] + p);
        acc[e][0] = _mm256_fmadd_ps(b, d0, acc[e][0]);
        acc[e][1] = _mm256_fmadd_ps(b, d1, acc[e][1]);
      }
    }
#pragma GCC unroll 6
  for (int e = 0; e < NE; ++e) {
    float* o = dw + e * Kpad;
    _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), acc[e][0]));
    _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), acc[e][1]));
  }
}

}  // namespace

void corr_avx2(const CorrArgs& a) {
  for (int64_t k = 0; k < a.K; k += 4) {
    const int64_t kb = k / kOutBlock, m0 = k % kOutBlock;
    const float* w = a.w + kb * a.wblock + m0;
    const float* bias = a.bias ? a.bias + k : nullptr;
    float* y = a.y + k * a.ypitch;
    switch (a.K - k >= 4 ? 4 : a.K - k) {
      case 1: corr_half<1>(a, w, bias, y); break;
      case 2: corr_half<2>(a, w, bias, y); break;
      case 3: corr_half<3>(a, w, bias, y); break;
      default: corr_half<4>(a, w, bias, y); break;
    }
  }
}

void wgrad_avx2(const WgradArgs& a) {
  for (int64_t k0 = 0; k0 < a.Kpad; k0 += 16) {
    int64_t e = 0;
    for (; e + 6 <= a.E; e += 6) wgrad_tile<6>(a.x, a.xoff + e, a.dyT + k0, a.Kpad, a, a.dw + e * a.Kpad + k0);
    for (; e < a.E; ++e) wgrad_tile<1>(a.x, a.xoff + e, a.dyT + k0, a.Kpad, a, a.dw + e * a.Kpad + k0);
  }
}

}  // namespace deepsc::cpu::conv
