#pragma once
// conv3d's simple kernel: the fallback for what the fast kernel (conv3d_fast.cuh) does not
// take (offsets beyond int32, backward-data with more than 64 stride residue classes, more
// than 1024 kernel taps in forward / backward-data, grids past CUDA's limits). One tiled fp32
// implicit GEMM instantiated per pass: 64x64 tiles, 16-deep reduction steps, 4x4 outputs per
// thread, int64 index arithmetic per gathered element, no pipelining. Deterministic: each
// output is summed by one thread in a fixed order. The index functions and the phases are
// __host__ __device__ so that the host emulation (test/cuda_emu) runs them thread by thread.
#include "cuda/conv3d_geometry.cuh"

namespace deepsc::cuda::conv3d::simple {

constexpr int BM = 64, BN = 64, BK = 16, kThreads = 256;

__host__ __device__ inline void split3(int64_t v, const int64_t* ext, int64_t* c) {
  c[2] = v % ext[2];
  v /= ext[2];
  c[1] = v % ext[1];
  c[0] = v / ext[1];
}

// x[n, c, o s - p + t d] or 0 outside (o: output position index, t: tap index).
__host__ __device__ inline float gather_x(const Dims& D, const float* x, int64_t n, int64_t c, int64_t o, int64_t t) {
  int64_t oc[3], tc[3];
  split3(o, D.out, oc);
  split3(t, D.k, tc);
  int64_t off = 0;
  for (int a = 0; a < 3; ++a) {
    const int64_t i = oc[a] * D.s[a] - D.p[a] + tc[a] * D.d[a];
    if (i < 0 || i >= D.in[a]) return 0.f;
    off = off * D.in[a] + i;
  }
  return x[(n * D.C + c) * D.in_sp + off];
}

// dy[n, k, o] where o s - p + t d = i, or 0 when no output position reads i through tap t.
__host__ __device__ inline float gather_dy(const Dims& D, const float* dy, int64_t n, int64_t k, int64_t i, int64_t t) {
  int64_t ic[3], tc[3];
  split3(i, D.in, ic);
  split3(t, D.k, tc);
  int64_t off = 0;
  for (int a = 0; a < 3; ++a) {
    const int64_t q = ic[a] + D.p[a] - tc[a] * D.d[a];
    if (q < 0 || q % D.s[a] != 0 || q / D.s[a] >= D.out[a]) return 0.f;
    off = off * D.out[a] + q / D.s[a];
  }
  return dy[(n * D.K + k) * D.out_sp + off];
}

template <int P>
__host__ __device__ inline float load_a(const Dims& D, const float* A, int64_t g, int64_t m, int64_t r) {
  if constexpr (P == kFwd) {
    return A[(g * D.Kg + m) * D.Cg * D.kvol + r];  // w[k, c, t] with r = (c, t)
  } else if constexpr (P == kBwdData) {
    const int64_t kl = r / D.kvol, t = r % D.kvol;  // r = (k, t), m = c
    return A[((g * D.Kg + kl) * D.Cg + m) * D.kvol + t];
  } else {
    const int64_t n = r / D.out_sp, o = r % D.out_sp;  // dy[n, k, o] with r = (n, o)
    return A[(n * D.K + g * D.Kg + m) * D.out_sp + o];
  }
}

template <int P>
__host__ __device__ inline float load_b(const Dims& D, const float* B, int64_t g, int64_t r, int64_t col) {
  if constexpr (P == kFwd) {
    const int64_t c = r / D.kvol, t = r % D.kvol, n = col / D.out_sp, o = col % D.out_sp;
    return gather_x(D, B, n, g * D.Cg + c, o, t);
  } else if constexpr (P == kBwdData) {
    const int64_t kl = r / D.kvol, t = r % D.kvol, n = col / D.in_sp, i = col % D.in_sp;
    return gather_dy(D, B, n, g * D.Kg + kl, i, t);
  } else {
    const int64_t n = r / D.out_sp, o = r % D.out_sp, c = col / D.kvol, t = col % D.kvol;
    return gather_x(D, B, n, g * D.Cg + c, o, t);
  }
}

template <int P>
__host__ __device__ inline void store(const Dims& D, float* out, const float* bias, int64_t g, int64_t m, int64_t col,
                                      float v) {
  if constexpr (P == kFwd) {
    const int64_t n = col / D.out_sp, o = col % D.out_sp, k = g * D.Kg + m;
    out[(n * D.K + k) * D.out_sp + o] = v + (bias ? bias[k] : 0.f);
  } else if constexpr (P == kBwdData) {
    const int64_t n = col / D.in_sp, i = col % D.in_sp;
    out[(n * D.C + g * D.Cg + m) * D.in_sp + i] = v;
  } else {
    out[((g * D.Kg + m) * D.Cg) * D.kvol + col] = v;  // col = (c, t)
  }
}

// The kernel's phases, each what one thread does between barriers.
struct Stage {
  float As[BK][BM + 4];
  float Bs[BK][BN + 4];
};

// Thread `tid` stages its share of the A (BK x BM) and B (BK x BN) tiles at reduction step r0.
template <int P>
__host__ __device__ inline void tile_load(const Dims& D, int64_t M, int64_t NC, int64_t R, const float* A,
                                          const float* B, int64_t g, int64_t m0, int64_t n0, int64_t r0, int tid,
                                          Stage& t) {
  for (int e = tid; e < BK * BM; e += kThreads) {
    const int mm = e % BM, kk = e / BM;
    const int64_t m = m0 + mm, r = r0 + kk;
    t.As[kk][mm] = m < M && r < R ? load_a<P>(D, A, g, m, r) : 0.f;
  }
  for (int e = tid; e < BK * BN; e += kThreads) {
    const int nn = e % BN, kk = e / BN;
    const int64_t col = n0 + nn, r = r0 + kk;
    t.Bs[kk][nn] = col < NC && r < R ? load_b<P>(D, B, g, r, col) : 0.f;
  }
}

// Thread `tid` (16 x 16 threads) accumulates its 4 x 4 outputs over the staged tiles.
__host__ __device__ inline void tile_mac(int tid, const Stage& t, float (&acc)[4][4]) {
  const int tx = tid % 16, ty = tid / 16;
#pragma unroll
  for (int kk = 0; kk < BK; ++kk) {
    float a[4], b[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) a[i] = t.As[kk][ty * 4 + i], b[i] = t.Bs[kk][tx * 4 + i];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
  }
}

template <int P>
__host__ __device__ inline void tile_store(const Dims& D, int64_t M, int64_t NC, const float* bias, float* out,
                                           int64_t g, int64_t m0, int64_t n0, int tid, const float (&acc)[4][4]) {
  const int tx = tid % 16, ty = tid / 16;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      const int64_t m = m0 + ty * 4 + i, col = n0 + tx * 4 + j;
      if (m < M && col < NC) store<P>(D, out, bias, g, m, col, acc[i][j]);
    }
}

template <int P>
__global__ void __launch_bounds__(kThreads)
    kernel(Dims D, int64_t M, int64_t NC, int64_t R, const float* __restrict__ A, const float* __restrict__ B,
           const float* __restrict__ bias, float* __restrict__ out) {
  __shared__ Stage tile;
  const int64_t g = blockIdx.z;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * BM, n0 = static_cast<int64_t>(blockIdx.x) * BN;
  const int tid = static_cast<int>(threadIdx.x);
  float acc[4][4] = {};
  for (int64_t r0 = 0; r0 < R; r0 += BK) {
    tile_load<P>(D, M, NC, R, A, B, g, m0, n0, r0, tid, tile);
    __syncthreads();
    tile_mac(tid, tile, acc);
    __syncthreads();
  }
  tile_store<P>(D, M, NC, bias, out, g, m0, n0, tid, acc);
}

/// Whether the simple kernel's grid fits CUDA's limits (else conv3d.cu reports a RangeError).
inline bool grid_fits(int64_t groups, int64_t M, int64_t NC) {
  return groups <= 65535 && (M + BM - 1) / BM <= 65535 && (NC + BN - 1) / BN <= 0x7fffffff;
}

template <int P>
void launch(const Dims& D, int64_t groups, int64_t M, int64_t NC, int64_t R, const float* A, const float* B,
            const float* bias, float* out) {
  const dim3 grid(static_cast<unsigned>((NC + BN - 1) / BN), static_cast<unsigned>((M + BM - 1) / BM),
                  static_cast<unsigned>(groups));
  kernel<P><<<grid, kThreads>>>(D, M, NC, R, A, B, bias, out);
}

}  // namespace deepsc::cuda::conv3d::simple
