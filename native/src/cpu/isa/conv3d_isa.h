#pragma once
// The SIMD micro-kernels of the convolution engine (src/cpu/conv3d_engine.cpp), compiled once
// per ISA in conv3d_{avx512,avx2,portable}.cpp and chosen at run time with active_isa().
//
// Both kernels read a "slab": a zero-padded, stride-phase-split copy of the input rows a
// tile needs, channels-first, so every reduction entry e (a kernel tap and an input channel)
// is one constant offset xoff[e] from the tile's pixel p, and pixels are contiguous.
#include <cstdint>

namespace deepsc::cpu::conv {

/// Pixels are computed in multiples of this (the slab and output rows are padded to it).
inline constexpr int64_t kPixelAlign = 16;
/// Output channels are packed in blocks of this for the correlation kernel.
inline constexpr int64_t kOutBlock = 8;
/// Channel padding of the transposed gradient rows in the weight-gradient kernel.
inline constexpr int64_t kGradBlock = 16;

/// y[k][p] = bias[k] + sum_e w[k / 8][e][k % 8] * x[p + xoff[e]] for k < K and the 16 pixels
/// p of each vector starting at voff[v], v < nvec, summed over e in order.
/// w: [ceil(K/8)][wblock / 8][8], of which entries 0..E-1 are read (a job whose depth taps
/// read padding planes only runs the entries of the other taps). y rows are `ypitch` floats
/// apart. bias may be null (then 0).
struct CorrArgs {
  const float* x;
  const int64_t* xoff;
  int64_t E;
  const float* w;
  int64_t wblock;
  const float* bias;
  int64_t K;
  float* y;
  int64_t ypitch;
  const int64_t* voff;
  int64_t nvec;
};

/// dw[e][k] += sum_p x[p + xoff[e]] * dyT[p][k] for e < E, k < Kpad (a multiple of
/// kGradBlock), over the pixels p = i * pitch + c of rows i < rows and columns c < cols (the
/// halo columns of slab rows, pitch - cols of them, are skipped), summed in that order.
struct WgradArgs {
  const float* x;
  const int64_t* xoff;
  int64_t E;
  const float* dyT;
  int64_t Kpad;
  int64_t rows;
  int64_t cols;
  int64_t pitch;
  float* dw;
};

/// The weight gradient for few output channels (K <= kPxMaxK), vectorised along pixels
/// instead (no transposed gradient, no idle channel lanes):
/// dw[e * dwpitch + k] += sum over p = i * pitch + c (i < rows, c < cols) of
/// x[xoff[e] + p] * dy[k * dyk + i * dyrow + c], for e < E, k < K; each sum over 16 pixel
/// (AVX2: 8) lanes in order, then the lanes in a fixed tree.
inline constexpr int64_t kPxMaxK = 8;
struct WgradPxArgs {
  const float* x;
  const int64_t* xoff;
  int64_t E;
  const float* dy;
  int64_t dyk;
  int64_t dyrow;
  int64_t K;
  int64_t rows;
  int64_t cols;
  int64_t pitch;
  float* dw;
  int64_t dwpitch;
};
void wgrad_px_avx512(const WgradPxArgs& a);
void wgrad_px_avx2(const WgradPxArgs& a);
void wgrad_px_portable(const WgradPxArgs& a);

/// s[l] += x[i] in double for every i < n with i % 16 == l, in order of i (the bias
/// gradient's 16 running sums; the same bits on every ISA).
void sum16_avx512(const float* x, int64_t n, double* s);
void sum16_portable(const float* x, int64_t n, double* s);

/// dst[i] = src[i * step] for i < n: the stride-phase split of a slab row. Reads nothing
/// beyond src[(n - 1) * step].
void strided_copy_avx512(const float* src, int64_t step, int64_t n, float* dst);
void strided_copy_portable(const float* src, int64_t step, int64_t n, float* dst);

/// dst[i * step] = src[i] for i < n (the copy-out of a stride-phase job); writes nothing else.
void strided_store_avx512(const float* src, int64_t n, int64_t step, float* dst);

/// dst[w * ldd + k] = src[k * lds + w] for k < kn, w < wn, and 0 for kn <= k < 16: up to
/// 16 channel rows of wn <= 16 pixels become wn pixel rows of 16 channels (the weight
/// gradient's [pixel][K] layout). Reads nothing beyond those kn x wn floats.
void transpose16_avx512(const float* src, int64_t lds, int64_t kn, int64_t wn, float* dst, int64_t ldd);
void transpose16_portable(const float* src, int64_t lds, int64_t kn, int64_t wn, float* dst, int64_t ldd);

void corr_avx512(const CorrArgs& a);
void corr_avx2(const CorrArgs& a);
void corr_portable(const CorrArgs& a);
void wgrad_avx512(const WgradArgs& a);
void wgrad_avx2(const WgradArgs& a);
void wgrad_portable(const WgradArgs& a);

}  // namespace deepsc::cpu::conv
