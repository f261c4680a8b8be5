// conv3d on the GPU: the CPU twin is src/cpu/conv3d.cpp. All three passes are one tiled
// implicit-GEMM kernel (nothing is unfolded in memory), instantiated per pass:
//   forward          y[n, k, o]  = sum_{c, t} w[k, c, t] x[n, c, o s - p + t d]  (+ b[k])
//                    M = K/g, N-dim = N Do Ho Wo, reduction = C/g kD kH kW
//   backward-data    dx[n, c, i] = sum_{k, t} w[k, c, t] dy[n, k, (i + p - t d) / s]
//                    M = C/g, N-dim = N D H W, reduction = K/g kD kH kW (taps whose
//                    (i + p - t d) is not a multiple of the stride or falls outside read 0)
//   backward-weight  dw[k, c, t] = sum_{n, o} dy[n, k, o] x[n, c, o s - p + t d]
//                    M = K/g, N-dim = C/g kD kH kW, reduction = N Do Ho Wo
// one grid z-slice per group. The index functions and the kernel's phases are __host__
// __device__ so that a host emulation (test/cuda_emu) runs them without a GPU. Each output element is summed by one thread in a fixed order
// (fp32 accumulators), and the bias gradient by one block per channel (double, fixed tree):
// deterministic, no atomics.
//
// This is the straightforward first version: 64x64 tiles, 16-deep reduction steps, 4x4
// outputs per thread, fp32 FMA on the CUDA cores, index arithmetic per gathered element.
// Next steps toward cuDNN-class speed, in order of expected gain:
//   1. tensor cores: TF32 mma.sync (m16n8k8) or wgmma on sm_90, with a 3xTF32 split where
//      full fp32 accuracy is wanted;
//   2. a multi-stage shared-memory pipeline (cp.async / TMA) so loads overlap the math, and
//      precomputed per-tile gather offsets instead of divisions per element;
//   3. channels-last (NDHWC) activations inside the executor, so the gathers become
//      contiguous vector loads;
//   4. deterministic split-K for backward-weight (its reduction runs over N Do Ho Wo and its
//      grid is small): per-split partials in the workspace, summed in split order by a second
//      kernel.
#include "cuda/elementwise.cuh"
#include "cuda/memory.h"
#include "cuda/op_api.h"
#include "cuda/reduce.cuh"

namespace deepsc::cuda {

namespace {

enum Pass3 : int { kFwd = 0, kBwdData = 1, kBwdWeight = 2 };

constexpr int BM = 64, BN = 64, BK = 16, kGemmThreads = 256;

struct Dims {
  int64_t N, C, K, Cg, Kg;
  int64_t in[3], out[3], k[3], s[3], p[3], d[3];
  int64_t kvol, in_sp, out_sp;
};

Dims make_dims(const ConvGeometry& g) {
  Dims d{};
  d.N = g.N, d.C = g.C, d.K = g.K, d.Cg = g.C / g.groups, d.Kg = g.K / g.groups;
  d.kvol = 1, d.in_sp = 1, d.out_sp = 1;
  for (int a = 0; a < 3; ++a) {
    d.in[a] = g.in[a], d.out[a] = g.out[a], d.k[a] = g.k[a], d.s[a] = g.s[a], d.p[a] = g.p[a], d.d[a] = g.d[a];
    d.kvol *= g.k[a], d.in_sp *= g.in[a], d.out_sp *= g.out[a];
  }
  return d;
}

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
__host__ __device__ inline void store(const Dims& D, float* out, const float* bias, int64_t g, int64_t m, int64_t col, float v) {
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

// The kernel's phases, each what one thread does between barriers; __host__ too, so that the
// host emulation (test/cuda_emu) runs the same code thread by thread.
struct Tile {
  float As[BK][BM + 4];
  float Bs[BK][BN + 4];
};

// Thread `tid` stages its share of the A (BK x BM) and B (BK x BN) tiles at reduction step r0.
template <int P>
__host__ __device__ inline void tile_load(const Dims& D, int64_t M, int64_t NC, int64_t R, const float* A,
                                          const float* B, int64_t g, int64_t m0, int64_t n0, int64_t r0, int tid,
                                          Tile& t) {
  for (int e = tid; e < BK * BM; e += kGemmThreads) {
    const int mm = e % BM, kk = e / BM;
    const int64_t m = m0 + mm, r = r0 + kk;
    t.As[kk][mm] = m < M && r < R ? load_a<P>(D, A, g, m, r) : 0.f;
  }
  for (int e = tid; e < BK * BN; e += kGemmThreads) {
    const int nn = e % BN, kk = e / BN;
    const int64_t col = n0 + nn, r = r0 + kk;
    t.Bs[kk][nn] = col < NC && r < R ? load_b<P>(D, B, g, r, col) : 0.f;
  }
}

// Thread `tid` (16 x 16 threads) accumulates its 4 x 4 outputs over the staged tiles.
__host__ __device__ inline void tile_mac(int tid, const Tile& t, float (&acc)[4][4]) {
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
__global__ void __launch_bounds__(kGemmThreads)
    conv_gemm(Dims D, int64_t M, int64_t NC, int64_t R, const float* __restrict__ A, const float* __restrict__ B,
              const float* __restrict__ bias, float* __restrict__ out) {
  __shared__ Tile tile;
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

// db[k] = sum over n and output positions of dy[n, k, o]: one block per channel.
__global__ void bias_grad(const float* __restrict__ dy, float* __restrict__ db, int64_t N, int64_t K, int64_t sp) {
  __shared__ double scratch[32];
  const int64_t k = blockIdx.x;
  double acc = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = threadIdx.x; o < sp; o += blockDim.x) acc += dy[(n * K + k) * sp + o];
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) db[k] = static_cast<float>(acc);
}

// y[n, k, o] = b[k]: the forward of a convolution with an empty reduction (C = 0).
__global__ void fill_bias(float* __restrict__ y, const float* __restrict__ bias, int64_t K, int64_t sp, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) y[i] = bias[(i / sp) % K];
}

template <int P>
void launch(const Dims& D, int64_t groups, int64_t M, int64_t NC, int64_t R, const float* A, const float* B,
            const float* bias, float* out) {
  if (M == 0 || NC == 0) return;
  if (R == 0) {  // an empty reduction (no input channels, or no batch in backward-weight)
    const int64_t total = groups * M * NC;
    if (P == kFwd && bias) fill_bias<<<blocks_for(total), kThreads>>>(out, bias, D.K, D.out_sp, total);
    else fill_zero(out, total);
    return;
  }
  if (groups > 65535 || (M + BM - 1) / BM > 65535 || (NC + BN - 1) / BN > 0x7fffffff)
    fail(ErrorKind::Range, "conv3d",
         "too large for the CUDA kernel's grid (groups " + std::to_string(groups) + ", M " + std::to_string(M) +
             ", N " + std::to_string(NC) + "); at most 65535 groups");
  const dim3 grid(static_cast<unsigned>((NC + BN - 1) / BN), static_cast<unsigned>((M + BM - 1) / BM),
                  static_cast<unsigned>(groups));
  conv_gemm<P><<<grid, kGemmThreads>>>(D, M, NC, R, A, B, bias, out);
}

}  // namespace

void conv3d_forward(const Conv3dParams& p, const OpArgs& a) {
  const Shape shapes[3] = {a.in[0].shape, a.in[1].shape, a.in.size() > 2 ? a.in[2].shape : Shape{}};
  const ConvGeometry geo = Conv3d::geometry(p, std::span<const Shape>(shapes, a.in.size()));
  const Dims D = make_dims(geo);
  const float* bias = a.in.size() > 2 && a.in[2].present() ? a.in[2].data : nullptr;
  launch<kFwd>(D, geo.groups, D.Kg, D.N * D.out_sp, D.Cg * D.kvol, a.in[1].data, a.in[0].data, bias, a.out[0].data);
}

void conv3d_backward(const Conv3dParams& p, const OpGradArgs& a) {
  const Shape shapes[3] = {a.in[0].shape, a.in[1].shape, a.in.size() > 2 ? a.in[2].shape : Shape{}};
  const ConvGeometry geo = Conv3d::geometry(p, std::span<const Shape>(shapes, a.in.size()));
  const Dims D = make_dims(geo);
  const float* dy = a.grad_out[0].data;
  if (a.grad_in[0].present())
    launch<kBwdData>(D, geo.groups, D.Cg, D.N * D.in_sp, D.Kg * D.kvol, a.in[1].data, dy, nullptr, a.grad_in[0].data);
  if (a.grad_in[1].present())
    launch<kBwdWeight>(D, geo.groups, D.Kg, D.Cg * D.kvol, D.N * D.out_sp, dy, a.in[0].data, nullptr,
                       a.grad_in[1].data);
  if (a.grad_in.size() > 2 && a.grad_in[2].present() && D.K > 0)
    bias_grad<<<static_cast<unsigned>(D.K), kThreads>>>(dy, a.grad_in[2].data, D.N, D.K, D.out_sp);
}

}  // namespace deepsc::cuda
