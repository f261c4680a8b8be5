// AVX-512 micro-kernels of the convolution engine (see conv3d_isa.h). Compiled with
// -mavx512f/dq/bw/vl; called only when active_isa() says the CPU has them.
#include <immintrin.h>

#include "cpu/isa/conv3d_isa.h"

namespace deepsc::cpu::conv {

namespace {

// Correlation tile: MK output channels x NV vectors of 16 pixels in up to 24 accumulators;
// per reduction entry, NV pixel loads and MK weight broadcasts feed MK * NV FMAs.
template <int MK, int NV>
inline void corr_tile(const float* x, const int64_t* xoff, int64_t E, const float* w, const float* bias, float* y,
                      int64_t ypitch, const int64_t* voff) {
  __m512 acc[MK][NV];
  int64_t vo[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) vo[v] = voff[v];
#pragma GCC unroll 8
  for (int m = 0; m < MK; ++m) {
    const __m512 b = bias ? _mm512_set1_ps(bias[m]) : _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[m][v] = b;
  }
  for (int64_t e = 0; e < E; ++e) {
    const float* xe = x + xoff[e];
    const float* we = w + e * kOutBlock;
    __m512 xv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) xv[v] = _mm512_loadu_ps(xe + vo[v]);
#pragma GCC unroll 8
    for (int m = 0; m < MK; ++m) {
      const __m512 b = _mm512_set1_ps(we[m]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_fmadd_ps(b, xv[v], acc[m][v]);
    }
  }
#pragma GCC unroll 8
  for (int m = 0; m < MK; ++m)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) _mm512_storeu_ps(y + m * ypitch + vo[v], acc[m][v]);
}

// Pixel vectors per tile for MK output channels: up to 24 accumulators, at most 6 vectors.
template <int MK>
constexpr int kTileVectors = 24 / MK < 6 ? 24 / MK : 6;

template <int MK, int NV>
void corr_tail(int64_t rem, const CorrArgs& a, const float* w, const float* bias, float* y, int64_t v) {
  if constexpr (NV > 0) {
    if (rem == NV) corr_tile<MK, NV>(a.x, a.xoff, a.E, w, bias, y, a.ypitch, a.voff + v);
    else corr_tail<MK, NV - 1>(rem, a, w, bias, y, v);
  }
}

// Visits the tiles of a row of nvec vectors: full tiles of NV, and a short remainder (1 of 3)
// merged with the last full tile and split into two near-equal tiles (3 + 1 -> 2 + 2), since a
// short tile idles most accumulators.
template <int NV, class F>
inline void for_each_tile(int64_t nvec, F&& f) {
  const int64_t rem = nvec % NV;
  const int64_t full = nvec / NV - (rem > 0 && rem < (NV + 1) / 2 && nvec >= NV ? 1 : 0);
  int64_t v = 0;
  for (int64_t t = 0; t < full; ++t, v += NV) f(v, int64_t(NV));
  const int64_t left = nvec - v;
  if (left > NV) {
    f(v, left / 2);
    f(v + left / 2, left - left / 2);
  } else if (left > 0) {
    f(v, left);
  }
}

template <int MK>
void corr_block(const CorrArgs& a, const float* w, const float* bias, float* y) {
  constexpr int NV = kTileVectors<MK>;
  for_each_tile<NV>(a.nvec, [&](int64_t v, int64_t n) { corr_tail<MK, NV>(n, a, w, bias, y, v); });
}

/// Input bytes of one tile's sweep below which every 8-channel block runs over a tile before
/// the next tile (the tile's inputs stay in L1; a 1x1x1 conv with up to ~170 channels);
/// above it each block sweeps all tiles (its packed weights stay in cache).
constexpr int64_t kTileOuterBytes = int64_t(32) << 10;

// Weight-gradient tile: NE reduction entries x MV vectors of 16 output channels; per pixel,
// MV gradient loads and NE input broadcasts feed NE * MV FMAs; the pixel sum stays in registers.
// Small tiles (fewer than 8 accumulators: a 1-channel stem, few output channels) would wait on
// one FMA chain per accumulator, so they keep PU sets of accumulators for PU neighbouring
// pixels, added in set order at the end (a fixed order: the same bits on every run).
template <int NE, int MV>
inline void wgrad_tile(const float* x, const int64_t* xoff, const float* dyT, int64_t Kpad, const WgradArgs& a, float* dw) {
  constexpr int PU = NE * MV >= 8 ? 1 : NE * MV >= 4 ? 2 : 4;
  __m512 acc[PU][NE][MV];
  const float* xe[NE];
#pragma GCC unroll 24
  for (int e = 0; e < NE; ++e) {
    xe[e] = x + xoff[e];
#pragma GCC unroll 4
    for (int u = 0; u < PU; ++u)
#pragma GCC unroll 4
      for (int v = 0; v < MV; ++v) acc[u][e][v] = _mm512_setzero_ps();
  }
  auto pixel = [&](__m512 (&ac)[NE][MV], int64_t p) __attribute__((always_inline)) {
    const float* d = dyT + p * Kpad;
    __m512 dv[MV];
#pragma GCC unroll 4
    for (int v = 0; v < MV; ++v) dv[v] = _mm512_loadu_ps(d + 16 * v);
#pragma GCC unroll 24
    for (int e = 0; e < NE; ++e) {
      const __m512 b = _mm512_set1_ps(xe[e][p]);
#pragma GCC unroll 4
      for (int v = 0; v < MV; ++v) ac[e][v] = _mm512_fmadd_ps(b, dv[v], ac[e][v]);
    }
  };
  for (int64_t i = 0; i < a.rows; ++i) {
    int64_t p = i * a.pitch;
    const int64_t pe = p + a.cols;
    for (; p + PU <= pe; p += PU)
#pragma GCC unroll 4
      for (int u = 0; u < PU; ++u) pixel(acc[u], p + u);
    for (; p < pe; ++p) pixel(acc[0], p);
  }
#pragma GCC unroll 24
  for (int e = 0; e < NE; ++e)
#pragma GCC unroll 4
    for (int v = 0; v < MV; ++v) {
      __m512 sum = acc[0][e][v];
#pragma GCC unroll 4
      for (int u = 1; u < PU; ++u) sum = _mm512_add_ps(sum, acc[u][e][v]);
      float* o = dw + e * Kpad + 16 * v;
      _mm512_storeu_ps(o, _mm512_add_ps(_mm512_loadu_ps(o), sum));
    }
}

template <int MV, int NE>
void wgrad_tail(int rem, const WgradArgs& a, int64_t e, int64_t k0) {
  if constexpr (NE > 0) {
    if (rem == NE) wgrad_tile<NE, MV>(a.x, a.xoff + e, a.dyT + k0, a.Kpad, a, a.dw + e * a.Kpad + k0);
    else wgrad_tail<MV, NE - 1>(rem, a, e, k0);
  }
}

template <int MV>
void wgrad_ktile(const WgradArgs& a, int64_t k0) {
  constexpr int NE = MV == 1 ? 24 : MV == 2 ? 12 : MV == 3 ? 8 : 6;
  int64_t e = 0;
  for (; e + NE <= a.E; e += NE) wgrad_tile<NE, MV>(a.x, a.xoff + e, a.dyT + k0, a.Kpad, a, a.dw + e * a.Kpad + k0);
  if (e < a.E) wgrad_tail<MV, NE - 1>(static_cast<int>(a.E - e), a, e, k0);
}

// Pixel-vectorised weight-gradient tile: NE entries x MK output channels, each accumulator
// 16 pixel lanes; per vector of pixels NE input loads and MK gradient loads feed NE * MK FMAs.
// (_mm512_reduce_add_ps: the same GCC 12 false positive as in transpose16_avx512.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
template <int MK, int NE>
inline void wgrad_px_tile(const WgradPxArgs& a, int64_t e0) {
  __m512 acc[NE][MK];
#pragma GCC unroll 24
  for (int e = 0; e < NE; ++e)
#pragma GCC unroll 8
    for (int k = 0; k < MK; ++k) acc[e][k] = _mm512_setzero_ps();
  for (int64_t i = 0; i < a.rows; ++i) {
    const float* xr[NE];
#pragma GCC unroll 24
    for (int e = 0; e < NE; ++e) xr[e] = a.x + a.xoff[e0 + e] + i * a.pitch;
    const float* dr = a.dy + i * a.dyrow;
    for (int64_t c = 0; c < a.cols; c += 16) {
      const __mmask16 m = c + 16 <= a.cols ? __mmask16(0xffff) : __mmask16((1u << (a.cols - c)) - 1);
      __m512 dv[MK];
#pragma GCC unroll 8
      for (int k = 0; k < MK; ++k) dv[k] = _mm512_maskz_loadu_ps(m, dr + k * a.dyk + c);
#pragma GCC unroll 24
      for (int e = 0; e < NE; ++e) {
        const __m512 xv = _mm512_maskz_loadu_ps(m, xr[e] + c);
#pragma GCC unroll 8
        for (int k = 0; k < MK; ++k) acc[e][k] = _mm512_fmadd_ps(xv, dv[k], acc[e][k]);
      }
    }
  }
#pragma GCC unroll 24
  for (int e = 0; e < NE; ++e)
#pragma GCC unroll 8
    for (int k = 0; k < MK; ++k) a.dw[(e0 + e) * a.dwpitch + k] += _mm512_reduce_add_ps(acc[e][k]);
}
#pragma GCC diagnostic pop

template <int MK, int NE>
void wgrad_px_tail(int64_t rem, const WgradPxArgs& a, int64_t e0) {
  if constexpr (NE > 0) {
    if (rem == NE) wgrad_px_tile<MK, NE>(a, e0);
    else wgrad_px_tail<MK, NE - 1>(rem, a, e0);
  }
}

template <int MK>
void wgrad_px_block(const WgradPxArgs& a) {
  constexpr int NE = 24 / MK > 12 ? 12 : 24 / MK;
  int64_t e = 0;
  for (; e + NE <= a.E; e += NE) wgrad_px_tile<MK, NE>(a, e);
  if (e < a.E) wgrad_px_tail<MK, NE - 1>(a.E - e, a, e);
}

}  // namespace

void wgrad_px_avx512(const WgradPxArgs& a) {
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

void sum16_avx512(const float* x, int64_t n, double* s) {
  __m512d lo = _mm512_loadu_pd(s), hi = _mm512_loadu_pd(s + 8);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    lo = _mm512_add_pd(lo, _mm512_maskz_cvtps_pd(0xff, _mm256_loadu_ps(x + i)));
    hi = _mm512_add_pd(hi, _mm512_maskz_cvtps_pd(0xff, _mm256_loadu_ps(x + i + 8)));
  }
  _mm512_storeu_pd(s, lo);
  _mm512_storeu_pd(s + 8, hi);
  for (int64_t l = 0; i + l < n; ++l) s[l] += static_cast<double>(x[i + l]);
}

void strided_copy_avx512(const float* src, int64_t step, int64_t n, float* dst) {
  int64_t i = 0;
  if (step == 2) {
    // 16 outputs from 32 inputs; the last input of each pair of vectors is never needed, so it
    // is masked off (a masked-off lane is not read: no access past src[2 (n - 1)]). Slab rows
    // are often exactly 16 wide, so the tail is a masked vector too, not a scalar loop.
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (; i + 16 <= n; i += 16) {
      const __m512 a = _mm512_loadu_ps(src + 2 * i), b = _mm512_maskz_loadu_ps(0x7fff, src + 2 * i + 16);
      _mm512_storeu_ps(dst + i, _mm512_permutex2var_ps(a, even, b));
    }
    if (i < n) {
      const int64_t need = 2 * (n - i) - 1;  // inputs read by the last n - i outputs
      const __mmask16 ma = need >= 16 ? __mmask16(0xffff) : __mmask16((1u << need) - 1);
      const __mmask16 mb = need > 16 ? __mmask16((1u << (need - 16)) - 1) : __mmask16(0);
      const __m512 a = _mm512_maskz_loadu_ps(ma, src + 2 * i), b = _mm512_maskz_loadu_ps(mb, src + 2 * i + 16);
      _mm512_mask_storeu_ps(dst + i, __mmask16((1u << (n - i)) - 1), _mm512_permutex2var_ps(a, even, b));
    }
    return;
  }
  for (; i < n; ++i) dst[i] = src[i * step];
}

// GCC 12 reports the self-initialised _mm512_undefined_ps() inside the unpack and shuffle
// intrinsics as uninitialised when they are unrolled like this (a false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
void transpose16_avx512(const float* src, int64_t lds, int64_t kn, int64_t wn, float* dst, int64_t ldd) {
  const __mmask16 m = wn >= 16 ? __mmask16(0xffff) : __mmask16((1u << wn) - 1);
  __m512 r[16], t[16];
#pragma GCC unroll 16
  for (int k = 0; k < 16; ++k) r[k] = k < kn ? _mm512_maskz_loadu_ps(m, src + k * lds) : _mm512_setzero_ps();
  // 2x2 blocks of single floats, then of pairs (within 128-bit lanes), then of 128-bit lanes.
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
#pragma GCC unroll 2
  for (int h = 0; h < 16; h += 8)
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
      t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xdd);
    }
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
  }
  for (int64_t w = 0; w < wn; ++w) _mm512_storeu_ps(dst + w * ldd, r[w]);
}
#pragma GCC diagnostic pop

void strided_store_avx512(const float* src, int64_t n, int64_t step, float* dst) {
  int64_t i = 0;
  if (step == 2) {
    // 8 values per masked store: expanded into the even lanes, odd lanes left untouched.
    for (; i + 8 <= n; i += 8)
      _mm512_mask_storeu_ps(dst + 2 * i, 0x5555, _mm512_maskz_expand_ps(0x5555, _mm512_castps256_ps512(_mm256_loadu_ps(src + i))));
  }
  for (; i < n; ++i) dst[i * step] = src[i];
}

void corr_avx512(const CorrArgs& a) {
  constexpr int NV = kTileVectors<kOutBlock>;
  const int64_t full_blocks = a.K / kOutBlock;
  int64_t kb0 = 0;
  if (full_blocks > 1 && a.E * NV * 64 <= kTileOuterBytes) {
    for_each_tile<NV>(a.nvec, [&](int64_t v, int64_t n) {
      for (int64_t kb = 0; kb < full_blocks; ++kb)
        corr_tail<kOutBlock, NV>(n, a, a.w + kb * a.wblock, a.bias ? a.bias + kb * kOutBlock : nullptr,
                                 a.y + kb * kOutBlock * a.ypitch, v);
    });
    kb0 = full_blocks;
  }
  for (int64_t kb = kb0; kb * kOutBlock < a.K; ++kb) {
    const float* w = a.w + kb * a.wblock;
    const float* bias = a.bias ? a.bias + kb * kOutBlock : nullptr;
    float* y = a.y + kb * kOutBlock * a.ypitch;
    switch (a.K - kb * kOutBlock >= kOutBlock ? kOutBlock : a.K - kb * kOutBlock) {
      case 1: corr_block<1>(a, w, bias, y); break;
      case 2: corr_block<2>(a, w, bias, y); break;
      case 3: corr_block<3>(a, w, bias, y); break;
      case 4: corr_block<4>(a, w, bias, y); break;
      case 5: corr_block<5>(a, w, bias, y); break;
      case 6: corr_block<6>(a, w, bias, y); break;
      case 7: corr_block<7>(a, w, bias, y); break;
      default: corr_block<8>(a, w, bias, y); break;
    }
  }
}

void wgrad_avx512(const WgradArgs& a) {
  const int64_t kv = a.Kpad / 16;
  int64_t v = 0;
  for (; v + 4 <= kv; v += 4) wgrad_ktile<4>(a, v * 16);
  switch (kv - v) {
    case 3: wgrad_ktile<3>(a, v * 16); break;
    case 2: wgrad_ktile<2>(a, v * 16); break;
    case 1: wgrad_ktile<1>(a, v * 16); break;
    default: break;
  }
}

}  // namespace deepsc::cpu::conv
