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

// Pixel-vectorised weight-gradient tile (see conv3d_isa.h): NE entries x MK output channels,
// each accumulator 8 pixel lanes; the row tail through a lane mask (masked lanes are not read).
template <int MK, int NE>
inline void wgrad_px_tile(const WgradPxArgs& a, int64_t e0) {
  __m256 acc[NE][MK];
#pragma GCC unroll 12
  for (int e = 0; e < NE; ++e)
#pragma GCC unroll 8
    for (int k = 0; k < MK; ++k) acc[e][k] = _mm256_setzero_ps();
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int64_t i = 0; i < a.rows; ++i) {
    const float* xr[NE];
#pragma GCC unroll 12
    for (int e = 0; e < NE; ++e) xr[e] = a.x + a.xoff[e0 + e] + i * a.pitch;
    const float* dr = a.dy + i * a.dyrow;
    for (int64_t c = 0; c < a.cols; c += 8) {
      const bool full = c + 8 <= a.cols;
      const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(a.cols - c)), lane);
      __m256 dv[MK];
#pragma GCC unroll 8
      for (int k = 0; k < MK; ++k)
        dv[k] = full ? _mm256_loadu_ps(dr + k * a.dyk + c) : _mm256_maskload_ps(dr + k * a.dyk + c, m);
#pragma GCC unroll 12
      for (int e = 0; e < NE; ++e) {
        const __m256 xv = full ? _mm256_loadu_ps(xr[e] + c) : _mm256_maskload_ps(xr[e] + c, m);
#pragma GCC unroll 8
        for (int k = 0; k < MK; ++k) acc[e][k] = _mm256_fmadd_ps(xv, dv[k], acc[e][k]);
      }
    }
  }
#pragma GCC unroll 12
  for (int e = 0; e < NE; ++e)
#pragma GCC unroll 8
    for (int k = 0; k < MK; ++k) {
      __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc[e][k]), _mm256_extractf128_ps(acc[e][k], 1));
      h = _mm_add_ps(h, _mm_movehl_ps(h, h));
      h = _mm_add_ss(h, _mm_movehdup_ps(h));
      a.dw[(e0 + e) * a.dwpitch + k] += _mm_cvtss_f32(h);
    }
}

template <int MK, int NE>
void wgrad_px_tail(int64_t rem, const WgradPxArgs& a, int64_t e0) {
  if constexpr (NE > 0) {
    if (rem == NE) wgrad_px_tile<MK, NE>(a, e0);
    else wgrad_px_tail<MK, NE - 1>(rem, a, e0);
  }
}

template <int MK>
void wgrad_px_block(const WgradPxArgs& a) {
  constexpr int NE = 12 / MK > 0 ? 12 / MK : 1;
  int64_t e = 0;
  for (; e + NE <= a.E; e += NE) wgrad_px_tile<MK, NE>(a, e);
  if (e < a.E) wgrad_px_tail<MK, NE - 1>(a.E - e, a, e);
}

}  // namespace

void wgrad_px_avx2(const WgradPxArgs& a) {
  switch (a.K) {
    case 1: wgrad_px_block<1>(a); break;
    case 2: wgrad_px_block<2>(a); break;
    case 3: wgrad_px_block<3>(a); break;
    case 4: wgrad_px_block<4>(a); break;
    case 5: wgrad_px_block<5>(a); break;
    case 6: wgrad_px_block<6>(a); break;
    case 7: wgrad_px_block<7>(a); break;
    case 8: wgrad_px_block<8>(a); break;
    default: wgrad_px_portable(a);
  }
}

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
