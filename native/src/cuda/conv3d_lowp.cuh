#pragma once
// conv3d's reduced-precision tensor-core multiply: the fast kernel (conv3d_fast.cuh) with its
// mac phase on one mma.sync per m16n8k8 tile, operands rounded once to TF32 (mma ... .tf32)
// or to bfloat16 (mma ... .bf16), fp32 accumulation. Everything else is the fast kernel's:
// the 3xTF32 tilings' block, warp and MMA tiles (fast::T128Tc, T64Tc, T32Tc, so the same
// grids, split counts and epilogue), the gathers, the double-buffered shared memory, the
// residue classes of backward-data and split-K into scratch (the caller adds the splits with
// conv3d_reduce.cuh's split_sum in split order, as for the fp32 kernel). Operands are fp32 in
// global and shared memory and are rounded when a lane loads its fragment (deepsc/precision.h:
// cvt.rna.tf32.f32, cvt.rn.bf16x2.f32), so activations and weights stay fp32 tensors.
//
// Accuracy: each operand carries a relative error of at most 2^-11 (TF32) or 2^-8 (bf16); the
// products of rounded operands are exact in fp32 and the tensor cores add them to the fp32
// accumulators. Deterministic: each output element (or split partial) is accumulated by one
// lane of one warp through the same sequence of mma instructions in reduction-step order; no
// atomics; the split count depends on the shapes only (conv3d_plan.cuh).
//
// Fragment coordinates (PTX ISA, mma.m16n8k8; lane = 4 group + t):
//   TF32: A (16 x 8, row-major) a_r at (group + 8 (r & 1), t + 4 (r >> 1)), r < 4; B (8 x 8,
//         column-major) b_r at (t + 4 r, group), r < 2 (fast::a_row / a_col / b_row / b_col).
//   bf16: A a_i at (group + 8 (i >> 1), 2 t + (i & 1)), i < 4, packed two a register (the
//         lower index in the low half); B b_i at (2 t + i, group), i < 2, in one register.
//   C/D:  d_r at (group + 8 (r >> 1), 2 t + (r & 1)) for both (fast::d_row / d_col).
// frag_a / frag_b below are the one place these are written; the host emulation
// (test/cuda_emu/conv3d_lowp_emu.cuh) assembles each warp's matrices through them.
#include <cstdint>

#include "cuda/conv3d_fast.cuh"
#include "deepsc/precision.h"

namespace deepsc::cuda::conv3d::lowp {

using fast::BK;

/// A reduced-precision tiling: a 3xTF32 tiling's tiles (Tc) with the operands rounded to Pr.
template <class Tc, Precision Pr>
struct Tiling : Tc {
  static constexpr Precision kPrecision = Pr;
  /// Shared rows padded so that a warp's fragment reads are conflict-free: a lane reads row
  /// k(t) of the reduction-major tiles at column group + const, with k = t + 4 r (TF32) or
  /// 2 t + i (bf16); a row stride of 8 (TF32) or 4 (bf16) banks mod 32 puts the four t at
  /// banks 0, 8, 16, 24 (+ group). Every block tile is 32, 64 or 128 wide, 0 banks mod 32.
  static constexpr int Pad = Pr == Precision::bf16 ? 4 : Tc::Pad;
  static_assert(Tc::kTc, "a tensor-core tiling");
  static_assert(Pr == Precision::tf32 || Pr == Precision::bf16, "TF32 or bf16 operands");
  static_assert(BK == 8, "one m16n8k8 MMA deep per reduction step");
};

using T128Tf32 = Tiling<fast::T128Tc, Precision::tf32>;
using T64Tf32 = Tiling<fast::T64Tc, Precision::tf32>;
using T32Tf32 = Tiling<fast::T32Tc, Precision::tf32>;
using T128Bf16 = Tiling<fast::T128Tc, Precision::bf16>;
using T64Bf16 = Tiling<fast::T64Tc, Precision::bf16>;
using T32Bf16 = Tiling<fast::T32Tc, Precision::bf16>;

/// Row and column: of a fragment element within its MMA tile, or of a warp's tile in the block's.
struct RC {
  int row, col;
};

/// The origin of warp `warp`'s WM x WN tile in the block tile.
template <class T>
__host__ __device__ constexpr RC warp_origin(int warp) {
  return {(warp / T::WGN) * T::WM, (warp % T::WGN) * T::WN};
}

/// Row and column (within the 16 x 8 A tile) of element i < 4 of a lane's A fragment.
template <Precision Pr>
__host__ __device__ constexpr RC frag_a(int lane, int i) {
  if constexpr (Pr == Precision::tf32) return {fast::a_row(lane, i), fast::a_col(lane, i)};
  else return {(lane >> 2) + 8 * (i >> 1), 2 * (lane & 3) + (i & 1)};
}
/// Row and column (within the 8 x 8 B tile) of element i < 2 of a lane's B fragment.
template <Precision Pr>
__host__ __device__ constexpr RC frag_b(int lane, int i) {
  if constexpr (Pr == Precision::tf32) return {fast::b_row(lane, i), fast::b_col(lane, i)};
  else return {2 * (lane & 3) + i, lane >> 2};
}

/// Element i of a lane's A fragment of MMA row tile mi in warp tile row m0, unrounded (the
/// shared A tile is reduction-major: As[k][m]).
template <class T>
__host__ __device__ inline float a_elem(const fast::Smem<T>& sm, int buf, int m0, int mi, int lane, int i) {
  const RC p = frag_a<T::kPrecision>(lane, i);
  return sm.As[buf][p.col][m0 + mi * 16 + p.row];
}
/// Element i of a lane's B fragment of MMA column tile ni in warp tile column n0, unrounded.
template <class T>
__host__ __device__ inline float b_elem(const fast::Smem<T>& sm, int buf, int n0, int ni, int lane, int i) {
  const RC p = frag_b<T::kPrecision>(lane, i);
  return sm.Bs[buf][p.row][n0 + ni * 8 + p.col];
}

/// Two floats rounded to bfloat16 and packed as an mma operand register (lo in the low half).
__host__ __device__ inline uint32_t pack_bf16x2(float lo, float hi) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  uint32_t r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));  // a -> upper half, b -> lower
  return r;
#else
  return static_cast<uint32_t>(bf16_bits(lo)) | (static_cast<uint32_t>(bf16_bits(hi)) << 16);
#endif
}

/// A lane's fragments of one MMA tile as operand registers: TF32 four A and two B registers,
/// bf16 two and one.
template <Precision Pr>
struct Regs {
  static constexpr int A = Pr == Precision::tf32 ? 4 : 2, B = Pr == Precision::tf32 ? 2 : 1;
};

template <class T>
__host__ __device__ inline void load_a(const fast::Smem<T>& sm, int buf, int m0, int mi, int lane,
                                       uint32_t (&a)[Regs<T::kPrecision>::A]) {
  if constexpr (T::kPrecision == Precision::tf32) {
#pragma unroll
    for (int r = 0; r < 4; ++r) a[r] = tf32_bits(a_elem<T>(sm, buf, m0, mi, lane, r));
  } else {
#pragma unroll
    for (int r = 0; r < 2; ++r)
      a[r] = pack_bf16x2(a_elem<T>(sm, buf, m0, mi, lane, 2 * r), a_elem<T>(sm, buf, m0, mi, lane, 2 * r + 1));
  }
}

template <class T>
__host__ __device__ inline void load_b(const fast::Smem<T>& sm, int buf, int n0, int ni, int lane,
                                       uint32_t (&b)[Regs<T::kPrecision>::B]) {
  if constexpr (T::kPrecision == Precision::tf32) {
#pragma unroll
    for (int r = 0; r < 2; ++r) b[r] = tf32_bits(b_elem<T>(sm, buf, n0, ni, lane, r));
  } else {
    b[0] = pack_bf16x2(b_elem<T>(sm, buf, n0, ni, lane, 0), b_elem<T>(sm, buf, n0, ni, lane, 1));
  }
}

#ifdef __CUDA_ARCH__
__device__ inline void mma_bf16(float* d, const uint32_t* a, const uint32_t* b) {
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5}, {%6}, {%0, %1, %2, %3};"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(b[0]));
}
#endif

/// The multiply of one reduction step (every lane of every warp; on the device only, the host
/// emulation multiplies whole warps): each warp's MI x NI MMA tiles, one mma each, A's
/// fragments held and B's streamed. MMA tile (mi, ni) accumulates into acc[mi NI + ni].
template <class T>
__device__ inline void mac_lowp(int tid, const fast::Smem<T>& sm, int buf, fast::ThreadState<T>& th) {
#ifdef __CUDA_ARCH__
  constexpr Precision Pr = T::kPrecision;
  const int lane = tid % 32;
  const RC w = warp_origin<T>(tid / 32);
  const int m0 = w.row, n0 = w.col;
  uint32_t a[T::MI][Regs<Pr>::A];
#pragma unroll
  for (int mi = 0; mi < T::MI; ++mi) load_a<T>(sm, buf, m0, mi, lane, a[mi]);
#pragma unroll
  for (int ni = 0; ni < T::NI; ++ni) {
    uint32_t b[Regs<Pr>::B];
    load_b<T>(sm, buf, n0, ni, lane, b);
#pragma unroll
    for (int mi = 0; mi < T::MI; ++mi) {
      if constexpr (Pr == Precision::tf32) fast::mma_tf32(th.acc[mi * T::NI + ni], a[mi], b);
      else mma_bf16(th.acc[mi * T::NI + ni], a[mi], b);
    }
  }
#else
  (void)tid, (void)sm, (void)buf, (void)th;
#endif
}

/// The kernel: fast::kernel's phases in fast::kernel's order, with this multiply.
template <int P, class T>
__global__ void __launch_bounds__(T::NT, T::MinBlocks)
    kernel(Geo32 G, const float* __restrict__ A, const float* __restrict__ B, const float* __restrict__ bias,
           float* __restrict__ out, float* __restrict__ scratch) {
  __shared__ fast::Smem<T> sm;
  extern __shared__ int4 tap_table[];  // Geo32::taps entries (fast::taps_bytes)
  const fast::Taps taps{tap_table, reinterpret_cast<int*>(tap_table + G.taps)};
  const fast::Block b = fast::make_block<P, T>(G, blockIdx.x, blockIdx.y, blockIdx.z);
  if (b.n0 >= b.NC) return;
  const int tid = static_cast<int>(threadIdx.x);
  fast::ThreadState<T> th;
  fast::phase_init<P, T>(G, b, taps, tid, th);
  __syncthreads();
  if (b.step_begin < b.step_end) {
    fast::phase_rows<P, T>(G, b, taps, tid, sm);
    __syncthreads();
    fast::phase_first<P, T>(G, b, taps, A, B, tid, sm, th);
    __syncthreads();
    for (int s = b.step_begin; s < b.step_end; ++s) {
      fast::phase_step_pre<P, T>(G, b, taps, A, B, s, tid, sm, th);
      lowp::mac_lowp<T>(tid, sm, (s - b.step_begin) & 1, th);
      fast::phase_step_post<T>(b, s, tid, sm, th);
      __syncthreads();
    }
  }
  fast::phase_store<P, T>(G, b, bias, out, scratch, tid, th);
}

}  // namespace deepsc::cuda::conv3d::lowp
