// Portable micro-kernels of the convolution engine (see conv3d_isa.h): plain loops that any
// compiler vectorises for the baseline ISA. The reference for the SIMD paths.
#include "cpu/isa/conv3d_isa.h"

namespace deepsc::cpu::conv {

void strided_copy_portable(const float* src, int64_t step, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i * step];
}

void transpose16_portable(const float* src, int64_t lds, int64_t kn, int64_t wn, float* dst, int64_t ldd) {
  for (int64_t w = 0; w < wn; ++w)
    for (int64_t k = 0; k < 16; ++k) dst[w * ldd + k] = k < kn ? src[k * lds + w] : 0.f;
}

void corr_portable(const CorrArgs& a) {
  for (int64_t kb = 0; kb * kOutBlock < a.K; ++kb) {
    const int64_t mk = a.K - kb * kOutBlock < kOutBlock ? a.K - kb * kOutBlock : kOutBlock;
    const float* w = a.w + kb * a.wblock;
    for (int64_t v = 0; v < a.nvec; ++v) {
      const int64_t p = a.voff[v];
      float acc[kOutBlock][16];
      for (int64_t m = 0; m < mk; ++m)
        for (int l = 0; l < 16; ++l) acc[m][l] = a.bias ? a.bias[kb * kOutBlock + m] : 0.f;
      for (int64_t e = 0; e < a.E; ++e) {
        const float* xe = a.x + a.xoff[e] + p;
        for (int64_t m = 0; m < mk; ++m) {
          const float wv = w[e * kOutBlock + m];
          for (int l = 0; l < 16; ++l) acc[m][l] += wv * xe[l];
        }
      }
      for (int64_t m = 0; m < mk; ++m)
        for (int l = 0; l < 16; ++l) a.y[(kb * kOutBlock + m) * a.ypitch + p + l] = acc[m][l];
    }
  }
}

void wgrad_portable(const WgradArgs& a) {
  for (int64_t e = 0; e < a.E; ++e) {
    const float* xe = a.x + a.xoff[e];
    for (int64_t k0 = 0; k0 < a.Kpad; k0 += 16) {
      float acc[16] = {};
      for (int64_t i = 0; i < a.rows; ++i)
        for (int64_t p = i * a.pitch, pe = p + a.cols; p < pe; ++p) {
          const float xv = xe[p];
          const float* d = a.dyT + p * a.Kpad + k0;
          for (int l = 0; l < 16; ++l) acc[l] += xv * d[l];
        }
      for (int l = 0; l < 16; ++l) a.dw[e * a.Kpad + k0 + l] += acc[l];
    }
  }
}

void sum16_portable(const float* x, int64_t n, double* s) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int64_t l = 0; l < 16; ++l) s[l] += static_cast<double>(x[i + l]);
  for (int64_t l = 0; i + l < n; ++l) s[l] += static_cast<double>(x[i + l]);
}

void wgrad_px_portable(const WgradPxArgs& a) {
  for (int64_t e = 0; e < a.E; ++e)
    for (int64_t k = 0; k < a.K; ++k) {
      float acc[16] = {};
      for (int64_t i = 0; i < a.rows; ++i) {
        const float* xr = a.x + a.xoff[e] + i * a.pitch;
        const float* dr = a.dy + k * a.dyk + i * a.dyrow;
        int64_t c = 0;  // column c goes to lane c % 16: whole groups of 16, then the rest
        for (; c + 16 <= a.cols; c += 16)
          for (int l = 0; l < 16; ++l) acc[l] += xr[c + l] * dr[c + l];
        for (int l = 0; c + l < a.cols; ++l) acc[l] += xr[c + l] * dr[c + l];
      }
      for (int w = 8; w > 0; w /= 2)
        for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
      a.dw[e * a.dwpitch + k] += acc[0];
    }
}

}  // namespace deepsc::cpu::conv
