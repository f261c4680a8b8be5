#pragma once
// conv3d's fast kernel: one fp32 implicit GEMM for every pass (conv3d.cu's header writes the
// three GEMMs out), templated on the pass and on the tiling (FFMA register tiles, or the
// opt-in 3xTF32 tensor-core tilings of conv3d_tc.cuh, which share everything but the multiply
// and the thread-to-output map).
//
// Block tile BM x BN of the output (rows m: output channels, or input channels for
// backward-data; columns: positions, or (c, tap) for backward-weight), reduction in steps of
// BK = 8 rows, each thread a TM x TN register tile (8 x 8 in the large tilings). Shared memory
// is double-buffered with a register-staged prefetch: while a step's tiles are multiplied out
// of one buffer, the next step's elements are already loaded from global memory into
// registers, and are stored into the other buffer afterwards (one barrier per step).
//
// Gathers without divisions per element: every gathered element is src[row.off + col.off],
// valid when (row.z + col.z, row.y + col.y, row.x + col.x) lies inside the source's extents.
// Each thread decodes its columns once (ColInfo, in registers); the BK rows of a step are
// decoded once per step by BK threads into a shared table (rowB / rowA), two steps ahead,
// with one division per row for forward and backward-data (the block's taps are decoded once
// into a tap table in dynamic shared memory). Invalid rows and columns carry a coordinate of
// kOff, far outside any extent, so they read 0.
//
// Backward-data with stride s is split into s_D s_H s_W residue classes of input positions
// ((i + p) mod s per axis): in a class exactly the taps with t d = (i + p) mod s (mod s) reach
// an output, at o = j - u with j = (i + p - rho) / s and u = (t d - rho) / s, so each class is
// a dense GEMM over only its taps (no zero taps multiplied, no division per element).
//
// Split-K: grid z is (group, class, split); with splits > 1 each split writes its partial sums
// for its range of reduction steps into scratch[split][output index], and conv3d_reduce.cuh's
// split_sum adds them in split order. Each output element is summed by one thread in a fixed
// order and the splits in a fixed order: deterministic, no atomics.
#include "cuda/conv3d_geometry.cuh"
#include "cuda/conv3d_tc.cuh"

namespace deepsc::cuda::conv3d::fast {

constexpr int BK = 8;
/// Coordinate of an invalid row or column: any sum with a valid coordinate (|c| < 2^27, by
/// fits_int32) stays negative, so the bounds check fails and the element reads 0.
constexpr int kOff = -(1 << 29);

/// A tiling: block tile BM x BN with NT threads, each a TM x TN register tile (TM, TN are 4
/// or 8: one or two float4 quads, the two quads half a tile apart so that the shared-memory
/// reads of a warp are consecutive float4s).
template <int BM_, int BN_, int NT_, int TM_, int TN_>
struct Tiling {
  static constexpr int BM = BM_, BN = BN_, NT = NT_, TM = TM_, TN = TN_;
  static constexpr int TY = BM / TM, TX = BN / TN;            // thread grid over the tile
  static constexpr int ColThreads = NT < BN ? NT : BN;         // threads across B's columns
  static constexpr int ColsPer = BN / ColThreads;              // B columns per thread
  static constexpr int RowsPer = BK / (NT / ColThreads);       // B rows per thread per step
  static constexpr int ARows = BM * BK / NT;                   // A elements per thread per step
  static constexpr int MinBlocks = 65536 / (NT * 128);         // keeps registers <= 128
  static constexpr bool kTc = false;                           // FFMA multiply
  static constexpr int Pad = 4;       // shared rows padded by 4: the column-wise stores are conflict-free
  static constexpr int AccR = TM, AccC = TN;                   // accumulators
  static constexpr int SR = TM, SC = TN;                       // distinct output rows / columns a thread has
  __host__ __device__ static int row_pos(int tid, int ii);
  __host__ __device__ static int col_pos(int tid, int jj);
  __host__ __device__ static float acc_at(const float (&acc)[AccR][AccC], int ii, int jj) { return acc[ii][jj]; }
  static_assert(TY * TX == NT, "threads must cover the tile");
  static_assert((TM == 4 || TM == 8) && (TN == 4 || TN == 8), "register tiles are 4 or 8 wide");
  static_assert(NT % BK == 0 && (BM * BK) % NT == 0 && BM % (NT / BK) == 0, "A tile mapping");
  static_assert(BN % ColThreads == 0 && NT % ColThreads == 0 && BK % (NT / ColThreads) == 0, "B tile mapping");
  static_assert(BM % 4 == 0 && BN % 4 == 0, "float4 reads");
};

/// A tensor-core tiling (conv3d_tc.cuh): block tile BM x BN with NT threads, each warp a
/// WM x WN tile of m16n8 MMA tiles; the accumulators of MMA tile (mi, ni) are acc[mi NI + ni].
template <int BM_, int BN_, int NT_, int WM_, int WN_>
struct TilingTc {
  static constexpr int BM = BM_, BN = BN_, NT = NT_, WM = WM_, WN = WN_;
  static constexpr int WGN = BN / WN, MI = WM / 16, NI = WN / 8;
  static constexpr int ColThreads = NT < BN ? NT : BN;
  static constexpr int ColsPer = BN / ColThreads;
  static constexpr int RowsPer = BK / (NT / ColThreads);
  static constexpr int ARows = BM * BK / NT;
  static constexpr int MinBlocks = 65536 / (NT * 128);
  static constexpr bool kTc = true;
  static constexpr int Pad = 8;  // fragment reads (8 t + group) are conflict-free
  static constexpr int AccR = MI * NI, AccC = 4;
  static constexpr int SR = 2 * MI, SC = 2 * NI;
  __host__ __device__ static int row_pos(int tid, int ii) {
    return (tid / 32 / WGN) * WM + (ii / 2) * 16 + d_row(tid % 32, (ii % 2) * 2);
  }
  __host__ __device__ static int col_pos(int tid, int jj) {
    return (tid / 32 % WGN) * WN + (jj / 2) * 8 + d_col(tid % 32, jj % 2);
  }
  __host__ __device__ static float acc_at(const float (&acc)[AccR][AccC], int ii, int jj) {
    return acc[(ii / 2) * NI + jj / 2][(ii % 2) * 2 + jj % 2];
  }
  static_assert((BM / WM) * WGN * 32 == NT, "warps must cover the tile");
  static_assert(WM % 16 == 0 && WN % 8 == 0, "m16n8 MMA tiles");
  static_assert(NT % BK == 0 && (BM * BK) % NT == 0 && BM % (NT / BK) == 0, "A tile mapping");
  static_assert(BN % ColThreads == 0 && NT % ColThreads == 0 && BK % (NT / ColThreads) == 0, "B tile mapping");
};

// The tilings conv3d_plan.cuh chooses from.
using T128 = Tiling<128, 128, 256, 8, 8>;  // M > 64
using T64 = Tiling<64, 128, 128, 8, 8>;    // 32 < M <= 64
using T32 = Tiling<32, 128, 64, 8, 8>;     // 8 < M <= 32
using T8 = Tiling<8, 128, 32, 8, 4>;       // 4 < M <= 8
using T4 = Tiling<4, 128, 32, 4, 4>;       // M <= 4 (backward-data of a one-channel input)
using TSmall = Tiling<32, 32, 64, 4, 4>;   // M <= 32 and at most 32 columns (backward-weight of thin layers)
// Their 3xTF32 tensor-core twins (same block tiles, so the same grids and splits).
using T128Tc = TilingTc<128, 128, 256, 64, 32>;
using T64Tc = TilingTc<64, 128, 128, 32, 64>;
using T32Tc = TilingTc<32, 128, 64, 32, 64>;

__host__ __device__ inline int ceil_div_signed(int a, int b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
__host__ __device__ inline int floor_div_signed(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/// Taps t in [0, k) with t d = rho (mod s): t = t0 + l step for l < count, step = s / gcd(d, s)
/// (a linear congruence; t0 is its least solution). count = 0 when there is none.
struct ClassTaps {
  int t0, step, count;
};
__host__ __device__ inline ClassTaps class_taps(int k, int d, int s, int rho) {
  int a = d, b = s;
  while (b != 0) {
    const int r = a % b;
    a = b, b = r;
  }
  ClassTaps c{0, s / a, 0};
  for (int t = 0; t < c.step; ++t)
    if ((t * d - rho) % s == 0) {
      c.t0 = t;
      c.count = t < k ? (k - 1 - t) / c.step + 1 : 0;
      break;
    }
  return c;
}

/// What a block works on: its group, class, split, tile origin, and its class's extents.
struct Block {
  int g, cls, split, m0, n0;
  int NC, R;                      // columns and reduction rows of this class
  int step_begin, step_end;       // this split's reduction steps
  // backward-data class, per axis: residue, first j, j extent, taps (count, first, step)
  int rho[3], jlo[3], nj[3], nt[3], t0[3], tstep[3];
};

/// Columns and reduction rows of one class (forward and backward-weight: the only class).
template <int P>
__host__ __device__ inline void class_extents(const Geo32& G, int cls, Block& b) {
  if constexpr (P == kBwdData) {
    int c = cls;
    for (int a = 2; a >= 0; --a) {
      b.rho[a] = c % G.s[a];
      c /= G.s[a];
    }
    int ncols = G.N, taps = 1;
    for (int a = 0; a < 3; ++a) {
      b.jlo[a] = ceil_div_signed(G.p[a] - b.rho[a], G.s[a]);
      const int jhi = floor_div_signed(G.in[a] - 1 + G.p[a] - b.rho[a], G.s[a]);
      b.nj[a] = jhi >= b.jlo[a] ? jhi - b.jlo[a] + 1 : 0;
      const ClassTaps ct = class_taps(G.k[a], G.d[a], G.s[a], b.rho[a]);
      b.nt[a] = ct.count, b.t0[a] = ct.t0, b.tstep[a] = ct.step;
      ncols *= b.nj[a], taps *= b.nt[a];
    }
    b.NC = ncols, b.R = G.Kg * taps;
  } else {
    for (int a = 0; a < 3; ++a) b.rho[a] = 0, b.jlo[a] = 0, b.nj[a] = 0, b.nt[a] = 0, b.t0[a] = 0, b.tstep[a] = 1;
    b.NC = P == kFwd ? G.N * G.out_sp : G.Cg * G.kvol;
    b.R = P == kFwd ? G.Cg * G.kvol : G.N * G.out_sp;
  }
}

template <int P, class T>
__host__ __device__ inline Block make_block(const Geo32& G, unsigned bx, unsigned by, unsigned bz) {
  Block b{};
  b.split = static_cast<int>(bz % static_cast<unsigned>(G.splits));
  const int rest = static_cast<int>(bz / static_cast<unsigned>(G.splits));
  b.cls = rest % G.classes, b.g = rest / G.classes;
  b.m0 = static_cast<int>(by) * T::BM, b.n0 = static_cast<int>(bx) * T::BN;
  class_extents<P>(G, b.cls, b);
  const int steps = (b.R + BK - 1) / BK, chunk = (steps + G.splits - 1) / G.splits;
  b.step_begin = b.split * chunk < steps ? b.split * chunk : steps;
  b.step_end = b.step_begin + chunk < steps ? b.step_begin + chunk : steps;
  return b;
}

/// A read-only global load (the non-coherent cache path on the device).
__host__ __device__ inline float ldg(const float* p) {
#ifdef __CUDA_ARCH__
  return __ldg(p);
#else
  return *p;
#endif
}

/// A decoded column: its offset into the gathered tensor and its window coordinates.
struct ColInfo {
  int off, z, y, x;
};

template <int P>
__host__ __device__ inline ColInfo col_info(const Geo32& G, const Block& b, int col) {
  if (col >= b.NC) return {0, kOff, kOff, kOff};
  if constexpr (P == kFwd) {  // col = (n, o): the window's corner o s - p in x[n, g Cg]
    const int n = col / G.out_sp, o = col - n * G.out_sp;
    const int oz = o / (G.out[1] * G.out[2]), oy = (o / G.out[2]) % G.out[1], ox = o % G.out[2];
    const int z = oz * G.s[0] - G.p[0], y = oy * G.s[1] - G.p[1], x = ox * G.s[2] - G.p[2];
    return {(n * G.C + b.g * G.Cg) * G.in_sp + (z * G.in[1] + y) * G.in[2] + x, z, y, x};
  } else if constexpr (P == kBwdData) {  // col = (n, j) of the class: j = (i + p - rho) / s in dy[n, g Kg]
    const int per_n = b.nj[0] * b.nj[1] * b.nj[2];
    const int n = col / per_n, j = col - n * per_n;
    const int z = b.jlo[0] + j / (b.nj[1] * b.nj[2]), y = b.jlo[1] + (j / b.nj[2]) % b.nj[1],
              x = b.jlo[2] + j % b.nj[2];
    return {(n * G.K + b.g * G.Kg) * G.out_sp + (z * G.out[1] + y) * G.out[2] + x, z, y, x};
  } else {  // col = (c, t): the tap's displacement t d in x[., g Cg + c]
    const int c = col / G.kvol, t = col - c * G.kvol;
    const int z = t / (G.k[1] * G.k[2]) * G.d[0], y = (t / G.k[2]) % G.k[1] * G.d[1], x = t % G.k[2] * G.d[2];
    return {(b.g * G.Cg + c) * G.in_sp + (z * G.in[1] + y) * G.in[2] + x, z, y, x};
  }
}

/// The block's taps (forward: all kD kH kW; backward-data: its class's), decoded once per
/// block into shared memory (dynamic, Geo32::taps entries) so that a reduction row costs one
/// division: tapB[l] = {offset, z, y, x} of tap l's displacement in the gathered tensor,
/// tapA[l] its offset in w[k, c, .]. Backward-weight has none (its rows are positions).
struct Taps {
  int4* b;
  int* a;
};

/// Bytes of dynamic shared memory the tap table of `taps` entries takes.
inline int taps_bytes(int taps) { return taps * static_cast<int>(sizeof(int4) + sizeof(int)); }

template <int P>
__host__ __device__ inline void tap_entry(const Geo32& G, const Block& b, int l, int4& tb, int& ta) {
  if constexpr (P == kFwd) {  // tap l = (tz, ty, tx): displacement t d
    const int z = l / (G.k[1] * G.k[2]) * G.d[0], y = (l / G.k[2]) % G.k[1] * G.d[1], x = l % G.k[2] * G.d[2];
    tb = make_int4((z * G.in[1] + y) * G.in[2] + x, z, y, x);
    ta = l;
  } else {  // the class's l-th tap t = t0 + l step per axis, reaching dy at o = j - u, u = (t d - rho) / s
    const int lz = l / (b.nt[1] * b.nt[2]), ly = (l / b.nt[2]) % b.nt[1], lx = l % b.nt[2];
    const int tz = b.t0[0] + lz * b.tstep[0], ty = b.t0[1] + ly * b.tstep[1], tx = b.t0[2] + lx * b.tstep[2];
    const int uz = (tz * G.d[0] - b.rho[0]) / G.s[0], uy = (ty * G.d[1] - b.rho[1]) / G.s[1],
              ux = (tx * G.d[2] - b.rho[2]) / G.s[2];
    tb = make_int4(-((uz * G.out[1] + uy) * G.out[2] + ux), -uz, -uy, -ux);
    ta = (tz * G.k[1] + ty) * G.k[2] + tx;
  }
}

/// Reduction row r of the block's class: B's part (offset, coordinates) and A's offset (-1:
/// past the end, reads 0).
template <int P>
__host__ __device__ inline void row_info(const Geo32& G, const Block& b, const Taps& taps, int r, int4& rb, int& ra) {
  if (r >= b.R) {
    rb = make_int4(0, kOff, kOff, kOff);
    ra = -1;
    return;
  }
  if constexpr (P == kBwdWeight) {  // r = (n, o): dy[n, k, o] and the window corner o s - p in x[n]
    const int n = r / G.out_sp, o = r - n * G.out_sp;
    const int oz = o / (G.out[1] * G.out[2]), oy = (o / G.out[2]) % G.out[1], ox = o % G.out[2];
    const int z = oz * G.s[0] - G.p[0], y = oy * G.s[1] - G.p[1], x = ox * G.s[2] - G.p[2];
    rb = make_int4(n * G.C * G.in_sp + (z * G.in[1] + y) * G.in[2] + x, z, y, x);
    ra = n * G.K * G.out_sp + o;
  } else {  // r = (q, l): q the channel c (forward) or k (backward-data), l the tap
    const int nt = P == kFwd ? G.kvol : b.nt[0] * b.nt[1] * b.nt[2];
    const int q = r / nt, l = r - q * nt;
    const int4 e = taps.b[l];
    rb = make_int4(q * (P == kFwd ? G.in_sp : G.out_sp) + e.x, e.y, e.z, e.w);
    ra = q * (P == kFwd ? G.kvol : G.Cg * G.kvol) + taps.a[l];
  }
}

/// A's offset for output row m (-1 past the end).
template <int P>
__host__ __device__ inline int m_off(const Geo32& G, const Block& b, int m) {
  if (m >= G.M) return -1;
  if constexpr (P == kFwd) return (b.g * G.Kg + m) * G.Cg * G.kvol;      // w[g Kg + m, ., .]
  else if constexpr (P == kBwdData) return (b.g * G.Kg * G.Cg + m) * G.kvol;  // w[g Kg + ., m, .]
  else return (b.g * G.Kg + m) * G.out_sp;                                // dy[., g Kg + m, .]
}

template <class T>
struct __align__(16) Smem {
  float As[2][BK][T::BM + T::Pad];  // A tile, reduction-major
  float Bs[2][BK][T::BN + T::Pad];
  int4 rowB[2][BK];  // the decoded rows of a step (two steps in flight)
  int rowA[2][BK];
};

template <class T>
struct ThreadState {
  float acc[T::AccR][T::AccC];
  float breg[T::RowsPer * T::ColsPer];  // the next step's elements, on their way to shared memory
  float areg[T::ARows];
  ColInfo col[T::ColsPer];
  int moff[T::ARows];
};

// Register tile index -> row / column within the block tile (quads half a tile apart).
template <int B, int TW>
__host__ __device__ constexpr int tile_pos(int t, int i) {
  return (i / 4) * (B / (TW / 4)) + t * 4 + i % 4;
}

template <int BM_, int BN_, int NT_, int TM_, int TN_>
__host__ __device__ inline int Tiling<BM_, BN_, NT_, TM_, TN_>::row_pos(int tid, int ii) {
  return tile_pos<BM_, TM_>(tid / (BN_ / TN_), ii);
}
template <int BM_, int BN_, int NT_, int TM_, int TN_>
__host__ __device__ inline int Tiling<BM_, BN_, NT_, TM_, TN_>::col_pos(int tid, int jj) {
  return tile_pos<BN_, TN_>(tid % (BN_ / TN_), jj);
}

/// The tensor-core multiply of one step (every lane of every warp; on the device only).
template <class T>
__device__ inline void mac_tc(int tid, const Smem<T>& sm, int buf, ThreadState<T>& th) {
#ifdef __CUDA_ARCH__
  const int lane = tid % 32, warp = tid / 32, m0 = (warp / T::WGN) * T::WM, n0 = (warp % T::WGN) * T::WN;
  if constexpr (T::MI <= T::NI) {  // hold A's fragments, stream B's
    uint32_t ab[T::MI][4], as[T::MI][4];
#pragma unroll
    for (int mi = 0; mi < T::MI; ++mi)
#pragma unroll
      for (int r = 0; r < 4; ++r)
        split_tf32(sm.As[buf][a_col(lane, r)][m0 + mi * 16 + a_row(lane, r)], ab[mi][r], as[mi][r]);
#pragma unroll
    for (int ni = 0; ni < T::NI; ++ni) {
      uint32_t bb[2], bs[2];
#pragma unroll
      for (int r = 0; r < 2; ++r) split_tf32(sm.Bs[buf][b_row(lane, r)][n0 + ni * 8 + b_col(lane, r)], bb[r], bs[r]);
#pragma unroll
      for (int mi = 0; mi < T::MI; ++mi) {
        float* d = th.acc[mi * T::NI + ni];
        mma_tf32(d, as[mi], bb);
        mma_tf32(d, ab[mi], bs);
        mma_tf32(d, ab[mi], bb);
      }
    }
  } else {  // hold B's fragments, stream A's
    uint32_t bb[T::NI][2], bs[T::NI][2];
#pragma unroll
    for (int ni = 0; ni < T::NI; ++ni)
#pragma unroll
      for (int r = 0; r < 2; ++r)
        split_tf32(sm.Bs[buf][b_row(lane, r)][n0 + ni * 8 + b_col(lane, r)], bb[ni][r], bs[ni][r]);
#pragma unroll
    for (int mi = 0; mi < T::MI; ++mi) {
      uint32_t ab[4], as[4];
#pragma unroll
      for (int r = 0; r < 4; ++r)
        split_tf32(sm.As[buf][a_col(lane, r)][m0 + mi * 16 + a_row(lane, r)], ab[r], as[r]);
#pragma unroll
      for (int ni = 0; ni < T::NI; ++ni) {
        float* d = th.acc[mi * T::NI + ni];
        mma_tf32(d, as, bb[ni]);
        mma_tf32(d, ab, bs[ni]);
        mma_tf32(d, ab, bb[ni]);
      }
    }
  }
#else
  (void)tid, (void)sm, (void)buf, (void)th;  // the host emulation multiplies whole warps (test/cuda_emu)
#endif
}

// ---- the phases: what one thread does between two barriers (the host emulation runs them) ----

template <int P, class T>
__host__ __device__ inline void fill_rows(const Geo32& G, const Block& b, const Taps& taps, int step, int tid,
                                          Smem<T>& sm, int slot) {
  if (tid < BK) row_info<P>(G, b, taps, step * BK + tid, sm.rowB[slot][tid], sm.rowA[slot][tid]);
}

template <int P, class T>
__host__ __device__ inline void gload(const Geo32& G, const float* A, const float* B, int tid, const Smem<T>& sm,
                                      int slot, ThreadState<T>& th) {
  const unsigned e0 = static_cast<unsigned>(P == kBwdData ? G.out[0] : G.in[0]);
  const unsigned e1 = static_cast<unsigned>(P == kBwdData ? G.out[1] : G.in[1]);
  const unsigned e2 = static_cast<unsigned>(P == kBwdData ? G.out[2] : G.in[2]);
#pragma unroll
  for (int ri = 0; ri < T::RowsPer; ++ri) {
    const int4 rb = sm.rowB[slot][tid / T::ColThreads + ri * (T::NT / T::ColThreads)];
#pragma unroll
    for (int ci = 0; ci < T::ColsPer; ++ci) {
      const ColInfo& c = th.col[ci];
      const bool ok = static_cast<unsigned>(rb.y + c.z) < e0 && static_cast<unsigned>(rb.z + c.y) < e1 &&
                      static_cast<unsigned>(rb.w + c.x) < e2;
      th.breg[ri * T::ColsPer + ci] = ok ? ldg(B + (rb.x + c.off)) : 0.f;
    }
  }
  const int ra = sm.rowA[slot][tid % BK];
#pragma unroll
  for (int j = 0; j < T::ARows; ++j) th.areg[j] = ra >= 0 && th.moff[j] >= 0 ? ldg(A + (ra + th.moff[j])) : 0.f;
}

template <class T>
__host__ __device__ inline void sstore(int tid, Smem<T>& sm, int buf, const ThreadState<T>& th) {
#pragma unroll
  for (int ri = 0; ri < T::RowsPer; ++ri)
#pragma unroll
    for (int ci = 0; ci < T::ColsPer; ++ci)
      sm.Bs[buf][tid / T::ColThreads + ri * (T::NT / T::ColThreads)][tid % T::ColThreads + ci * T::ColThreads] =
          th.breg[ri * T::ColsPer + ci];
#pragma unroll
  for (int j = 0; j < T::ARows; ++j) sm.As[buf][tid % BK][tid / BK + j * (T::NT / BK)] = th.areg[j];
}

template <class T>
__host__ __device__ inline void mac(int tid, const Smem<T>& sm, int buf, ThreadState<T>& th) {
  const int ty = tid / T::TX, tx = tid % T::TX;
#pragma unroll
  for (int kk = 0; kk < BK; ++kk) {
    float a[T::TM], b[T::TN];
#pragma unroll
    for (int q = 0; q < T::TM / 4; ++q) {
      const float4 v = *reinterpret_cast<const float4*>(&sm.As[buf][kk][tile_pos<T::BM, T::TM>(ty, q * 4)]);
      a[q * 4] = v.x, a[q * 4 + 1] = v.y, a[q * 4 + 2] = v.z, a[q * 4 + 3] = v.w;
    }
#pragma unroll
    for (int q = 0; q < T::TN / 4; ++q) {
      const float4 v = *reinterpret_cast<const float4*>(&sm.Bs[buf][kk][tile_pos<T::BN, T::TN>(tx, q * 4)]);
      b[q * 4] = v.x, b[q * 4 + 1] = v.y, b[q * 4 + 2] = v.z, b[q * 4 + 3] = v.w;
    }
#pragma unroll
    for (int i = 0; i < T::TM; ++i)
#pragma unroll
      for (int j = 0; j < T::TN; ++j) th.acc[i][j] = fmaf(a[i], b[j], th.acc[i][j]);
  }
}

/// Before the first barrier: the thread's columns and rows, zero accumulators, its share of
/// the tap table.
template <int P, class T>
__host__ __device__ inline void phase_init(const Geo32& G, const Block& b, const Taps& taps, int tid,
                                           ThreadState<T>& th) {
#pragma unroll
  for (int i = 0; i < T::AccR; ++i)
#pragma unroll
    for (int j = 0; j < T::AccC; ++j) th.acc[i][j] = 0.f;
#pragma unroll
  for (int ci = 0; ci < T::ColsPer; ++ci)
    th.col[ci] = col_info<P>(G, b, b.n0 + tid % T::ColThreads + ci * T::ColThreads);
#pragma unroll
  for (int j = 0; j < T::ARows; ++j) th.moff[j] = m_off<P>(G, b, b.m0 + tid / BK + j * (T::NT / BK));
  if constexpr (P != kBwdWeight) {
    const int nt = P == kFwd ? G.kvol : b.nt[0] * b.nt[1] * b.nt[2];
    for (int l = tid; l < nt; l += T::NT) tap_entry<P>(G, b, l, taps.b[l], taps.a[l]);
  }
}

/// The first step's row table (BK threads).
template <int P, class T>
__host__ __device__ inline void phase_rows(const Geo32& G, const Block& b, const Taps& taps, int tid, Smem<T>& sm) {
  fill_rows<P, T>(G, b, taps, b.step_begin, tid, sm, 0);
}

/// The first step's tiles into buffer 0, and the second step's row table.
template <int P, class T>
__host__ __device__ inline void phase_first(const Geo32& G, const Block& b, const Taps& taps, const float* A,
                                            const float* B, int tid, Smem<T>& sm, ThreadState<T>& th) {
  gload<P, T>(G, A, B, tid, sm, 0, th);
  sstore<T>(tid, sm, 0, th);
  if (b.step_begin + 1 < b.step_end) fill_rows<P, T>(G, b, taps, b.step_begin + 1, tid, sm, 1);
}

/// Step s: prefetch step s + 1 into registers, decode step s + 2's rows into the row slot step
/// s has finished with (before the multiply, so that the decode overlaps it), multiply step
/// s's tiles, store the prefetch into the other buffer.
template <int P, class T>
__host__ __device__ inline void phase_step_pre(const Geo32& G, const Block& b, const Taps& taps, const float* A,
                                               const float* B, int s, int tid, Smem<T>& sm, ThreadState<T>& th) {
  const int cur = (s - b.step_begin) & 1;
  if (s + 1 < b.step_end) gload<P, T>(G, A, B, tid, sm, cur ^ 1, th);
  if (s + 2 < b.step_end) fill_rows<P, T>(G, b, taps, s + 2, tid, sm, cur);
}

template <class T>
__host__ __device__ inline void phase_step_post(const Block& b, int s, int tid, Smem<T>& sm, ThreadState<T>& th) {
  if (s + 1 < b.step_end) sstore<T>(tid, sm, ((s - b.step_begin) & 1) ^ 1, th);
}

template <int P, class T>
__host__ __device__ inline void phase_step(const Geo32& G, const Block& b, const Taps& taps, const float* A,
                                           const float* B, int s, int tid, Smem<T>& sm, ThreadState<T>& th) {
  phase_step_pre<P, T>(G, b, taps, A, B, s, tid, sm, th);
  if constexpr (T::kTc) mac_tc<T>(tid, sm, (s - b.step_begin) & 1, th);
  else mac<T>(tid, sm, (s - b.step_begin) & 1, th);
  phase_step_post<T>(b, s, tid, sm, th);
}

/// The thread's outputs: into the output (one split; forward adds the bias) or into its
/// split's slice of the scratch.
template <int P, class T>
__host__ __device__ inline void phase_store(const Geo32& G, const Block& b, const float* bias, float* out,
                                            float* scratch, int tid, const ThreadState<T>& th) {
  float* dst = G.splits > 1 ? scratch + static_cast<int64_t>(b.split) * G.total : out;
  const bool add_bias = P == kFwd && G.splits == 1 && bias != nullptr;
  int base[T::SC];
#pragma unroll
  for (int j = 0; j < T::SC; ++j) {
    const int col = b.n0 + T::col_pos(tid, j);
    base[j] = -1;
    if (col >= b.NC) continue;
    if constexpr (P == kFwd) {
      const int n = col / G.out_sp;
      base[j] = n * G.K * G.out_sp + (col - n * G.out_sp);
    } else if constexpr (P == kBwdData) {
      const int per_n = b.nj[0] * b.nj[1] * b.nj[2];
      const int n = col / per_n, j3 = col - n * per_n;
      const int iz = (b.jlo[0] + j3 / (b.nj[1] * b.nj[2])) * G.s[0] + b.rho[0] - G.p[0];
      const int iy = (b.jlo[1] + (j3 / b.nj[2]) % b.nj[1]) * G.s[1] + b.rho[1] - G.p[1];
      const int ix = (b.jlo[2] + j3 % b.nj[2]) * G.s[2] + b.rho[2] - G.p[2];
      base[j] = n * G.C * G.in_sp + (iz * G.in[1] + iy) * G.in[2] + ix;
    } else {
      base[j] = col;
    }
  }
#pragma unroll
  for (int i = 0; i < T::SR; ++i) {
    const int m = b.m0 + T::row_pos(tid, i);
    if (m >= G.M) continue;
    const int mpart = P == kFwd         ? (b.g * G.Kg + m) * G.out_sp
                      : P == kBwdData   ? (b.g * G.Cg + m) * G.in_sp
                                        : (b.g * G.Kg + m) * G.Cg * G.kvol;
    const float bv = add_bias ? bias[b.g * G.Kg + m] : 0.f;
#pragma unroll
    for (int j = 0; j < T::SC; ++j)
      if (base[j] >= 0) dst[base[j] + mpart] = T::acc_at(th.acc, i, j) + bv;
  }
}

template <int P, class T>
__global__ void __launch_bounds__(T::NT, T::MinBlocks)
    kernel(Geo32 G, const float* __restrict__ A, const float* __restrict__ B, const float* __restrict__ bias,
           float* __restrict__ out, float* __restrict__ scratch) {
  __shared__ Smem<T> sm;
  extern __shared__ int4 tap_table[];  // Geo32::taps entries (taps_bytes)
  const Taps taps{tap_table, reinterpret_cast<int*>(tap_table + G.taps)};
  const Block b = make_block<P, T>(G, blockIdx.x, blockIdx.y, blockIdx.z);
  if (b.n0 >= b.NC) return;  // the whole block: a class with fewer columns than the grid
  const int tid = static_cast<int>(threadIdx.x);
  ThreadState<T> th;
  phase_init<P, T>(G, b, taps, tid, th);
  __syncthreads();
  if (b.step_begin < b.step_end) {
    phase_rows<P, T>(G, b, taps, tid, sm);
    __syncthreads();
    phase_first<P, T>(G, b, taps, A, B, tid, sm, th);
    __syncthreads();
    for (int s = b.step_begin; s < b.step_end; ++s) {
      phase_step<P, T>(G, b, taps, A, B, s, tid, sm, th);
      __syncthreads();
    }
  }
  phase_store<P, T>(G, b, bias, out, scratch, tid, th);
}

}  // namespace deepsc::cuda::conv3d::fast
