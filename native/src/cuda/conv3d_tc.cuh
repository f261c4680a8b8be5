#pragma once
// conv3d's optional tensor-core multiply (3xTF32): the fast kernel's mac phase on mma.sync
// m16n8k8 TF32 tensor-core instructions instead of FFMA, with the fp32 accuracy kept by the
// 3xTF32 split: each operand x = big + small (big = x rounded to TF32, small = the rest rounded
// to TF32), and a b = a_small b_big + a_big b_small + a_big b_big (the small x small term, below
// fp32's rounding, is dropped); the products of TF32 values are exact in fp32. Off unless
// DEEPSC_CONV3D_MATH=3xtf32 (conv3d.cu): it has not run on a GPU yet.
//
// Fragment coordinates are the PTX ISA's for mma.m16n8k8 with .tf32 (lane = 4 group + t):
// A (16 x 8, row-major): a_r at (group + 8 (r & 1), t + 4 (r >> 1)); B (8 x 8, column-major):
// b_r at (t + 4 r, group); C/D (16 x 8): d_r at (group + 8 (r >> 1), 2 t + (r & 1)). The host
// emulation (test/cuda_emu) assembles the warp's matrices from the lanes' fragments by the same
// coordinates and multiplies them, so it checks the fragment addressing and the epilogue.
#include <cstdint>
#include <cstring>

#include "cuda/conv3d_geometry.cuh"
#include "deepsc/precision.h"

namespace deepsc::cuda::conv3d::fast {

__host__ __device__ constexpr int a_row(int lane, int r) { return (lane >> 2) + 8 * (r & 1); }
__host__ __device__ constexpr int a_col(int lane, int r) { return (lane & 3) + 4 * (r >> 1); }
__host__ __device__ constexpr int b_row(int lane, int r) { return (lane & 3) + 4 * r; }
__host__ __device__ constexpr int b_col(int lane, int) { return lane >> 2; }
__host__ __device__ constexpr int d_row(int lane, int r) { return (lane >> 2) + 8 * (r >> 1); }
__host__ __device__ constexpr int d_col(int lane, int r) { return 2 * (lane & 3) + (r & 1); }

/// x rounded to TF32 (10 mantissa bits), to nearest with ties away from zero (cvt.rna): the
/// engine's one TF32 rounding (deepsc/precision.h), NaN kept a NaN.
__host__ __device__ inline uint32_t tf32_rna(float x) { return deepsc::tf32_bits(x); }

/// The float of a TF32 bit pattern.
__host__ __device__ inline float tf32_value(uint32_t u) { return deepsc::precision_detail::from_bits(u); }

/// x = big + small, both TF32.
__host__ __device__ inline void split_tf32(float x, uint32_t& big, uint32_t& small) {
  big = tf32_rna(x);
  small = tf32_rna(x - tf32_value(big));
}

#ifdef __CUDA_ARCH__
__device__ inline void mma_tf32(float* d, const uint32_t* a, const uint32_t* b) {
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
#endif

}  // namespace deepsc::cuda::conv3d::fast
