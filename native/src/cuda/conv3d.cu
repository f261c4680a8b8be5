// conv3d on the GPU: the CPU twin is src/cpu/conv3d.cpp. All three passes are implicit GEMMs
// (nothing is unfolded in memory):
//   forward          y[n, k, o]  = sum_{c, t} w[k, c, t] x[n, c, o s - p + t d]  (+ b[k])
//                    M = K/g, columns = N Do Ho Wo, reduction = C/g kD kH kW
//   backward-data    dx[n, c, i] = sum_{k, t} w[k, c, t] dy[n, k, (i + p - t d) / s]
//                    M = C/g, columns = N D H W, reduction = K/g kD kH kW (only the taps
//                    with (i + p - t d) a multiple of s: per residue class of i, see below)
//   backward-weight  dw[k, c, t] = sum_{n, o} dy[n, k, o] x[n, c, o s - p + t d]
//                    M = K/g, columns = C/g kD kH kW, reduction = N Do Ho Wo
//   bias gradient    db[k] = sum_{n, o} dy[n, k, o]
//
// Files, one concept each:
//   conv3d_geometry.cuh  the passes and the int64 / int32 dimensions
//   conv3d_fast.cuh      the fast kernel: 128x128 / 64x128 / 32x128 / 8x128 / 4x128 / 32x32 block
//                        tiles, 8x8 (4x4) register tiles, double-buffered shared memory with a
//                        register-staged prefetch, gathers from per-step row tables and
//                        per-thread column offsets (no division per element), backward-data
//                        split into stride residue classes (no zero taps), split-K
//   conv3d_lowp.h / .cu  the TF32 / bf16 tensor-core kernels (conv3d_lowp.cuh): launched instead
//                        of the fp32 kernel when the compiled graph's precision is tf32 / bf16
//                        (graph::running_precision(), set by the executor around its steps) and
//                        lowp_takes(plan); same plan, splits, split sum and bias
//   conv3d_tc.cuh        the optional tensor-core multiply (3xTF32 mma.sync, fp32-accurate),
//                        for the 32-row and larger tilings; off unless DEEPSC_CONV3D_MATH=3xtf32
//                        (passes test/cuda_emu/gpu on an H200, 0-15% faster than FFMA there)
//   conv3d_plan.cuh      which kernel, tiling and split count (shapes only, never the device)
//   conv3d_reduce.cuh    the split sums and the two-level bias gradient
//   conv3d_scratch.cu(h) the grow-only per-device scratch the split partials live in
//   conv3d_simple.cuh    the simple kernel (64x64 tiles, int64 index math per element): the
//                        fallback where the fast kernel's rule fails (offsets past int32,
//                        backward-data strides with more than 64 residue classes, more than
//                        1024 kernel taps in forward / backward-data, grids past CUDA's limits)
// The kernels' phases and index functions are __host__ __device__: test/cuda_emu runs them
// thread by thread on the host against a float64 reference (every tiling, FFMA and 3xTF32,
// 1, 3 and 70 splits, two thread orders), test/cuda_emu/gpu checks the fast kernel against
// the simple one on a GPU.
//
// Deterministic in every precision: no atomics. Each output element (or split partial) is summed
// by one thread in a fixed order (fp32 FMA; tf32 / bf16: one lane's mma instructions in
// reduction order), the splits are added in split order (double), the bias gradient
// in double by a fixed tree and then in chunk order. The split count depends on the shapes
// only, so results are bitwise the same on every run and every GPU.
//
// What each pass should reach on an H100 (the benchmark's layers, benchmarks/gpu/layers.json;
// test/cuda_emu/conv3d_plans.cu prints this table). Two lower bounds per pass: its useful
// FLOPs at the fp32 FFMA peak (132 SMs x 128 FMA x 2 x ~1.75 GHz = ~60 TFLOP/s; no tensor
// cores), and the bytes it must move at least (read both operands and write the output once,
// float32) at HBM3's 3.35 TB/s. "work" is what the tiles compute over the useful FLOPs (rows
// and columns past a tile's end, padded reduction steps). "expect" is the target for this
// kernel: the tiles' work at 30 TFLOP/s (half the FFMA peak: a classic 128x128 SGEMM reaches
// 70-80 %, the gathers add roughly a quarter more instructions, the 32-row tilings reuse each
// gathered element half as often), or three times the bytes bound for the memory-bound stem.
// cuDNN's fp32 kernels (TF32 off) are FFMA kernels too; 0.5x their throughput means within
// about twice "expect" on the large layers.
//   layer               pass       GFLOP  FLOP-ms   MB  byte-ms  tiling  splits work  expect ms
//   stem.whole.branch3  fwd         0.17  0.003  25.2  0.008  8x128      1  1.19   0.023
//   stem.whole.branch3  bwd-data    0.17  0.003  25.2  0.008  4x128      1  4.00   0.023
//   stem.whole.branch3  bwd-weight  0.17  0.003  25.2  0.008  32x32   1056  4.74   0.027
//   unet.enc1.conv2     fwd        10.87  0.181  50.4  0.015  32x128     1  1.00   0.362
//   unet.enc1.conv2     bwd-data   10.87  0.181  50.4  0.015  32x128     1  1.00   0.362
//   unet.enc1.conv2     bwd-weight 10.87  0.181  50.4  0.015  32x128   150  1.04   0.377
//   unet.enc2.conv1     fwd         2.72  0.045  31.7  0.009  64x128     2  1.00   0.091
//   unet.enc2.conv1     bwd-data    2.72  0.045  31.7  0.009  32x128     1  1.00   0.091
//   unet.enc2.conv1     bwd-weight  2.72  0.045  31.7  0.009  64x128    75  1.04   0.094
//   unet.enc3.conv2     fwd         2.72  0.045   4.9  0.001  128x128   11  1.00   0.091
//   unet.enc3.conv2     bwd-data    2.72  0.045   4.9  0.001  128x128   11  1.00   0.091
//   unet.enc3.conv2     bwd-weight  2.72  0.045   4.9  0.001  128x128    9  1.00   0.091
//   unet.dec1.conv1     fwd        21.74  0.362  75.7  0.023  32x128     1  1.00   0.725
//   unet.dec1.conv1     bwd-data   21.74  0.362  75.7  0.023  64x128     1  1.00   0.725
//   unet.dec1.conv1     bwd-weight 21.74  0.362  75.7  0.023  32x128    75  1.04   0.754
//   cls.block1.conv1    fwd         5.61  0.093  64.7  0.019  64x128     1  1.01   0.189
//   cls.block1.conv1    bwd-data    5.61  0.093  64.7  0.019  64x128     1  1.94   0.363
//   cls.block1.conv1    bwd-weight  5.61  0.093  64.7  0.019  64x128    75  1.01   0.189
//   cls.block3.conv2    fwd         5.44  0.091  10.2  0.003  128x128   11  1.00   0.181
//   cls.block3.conv2    bwd-data    5.44  0.091  10.2  0.003  128x128   11  1.00   0.181
//   cls.block3.conv2    bwd-weight  5.44  0.091  10.2  0.003  128x128    2  1.00   0.181
// (backward-weight's times include the bias gradient, a few microseconds.) Where a pass is far
// off: test/cuda_emu/gpu prints each pass's plan and time; in Nsight Compute look at the fast
// kernel's FMA-pipe share of issued instructions (should be ~60 %), achieved occupancy (16
// warps per SM: 128 registers a thread), shared-memory bank conflicts (should be ~0: the
// stores are conflict-free by the +4 padding), L1 hit rate of the gathers, local memory
// (none but 8 bytes in two backward-data instantiations), and, for split passes, split_sum's
// share of the time.
//
// Next steps, by expected gain: make the 3xTF32 tensor-core multiply the default once
// test/cuda_emu/gpu shows it correct and faster on a GPU (three mma.sync per product still
// run at about twice the FFMA rate; the gathers then dominate); channels-last activations
// inside the executor, so that the gathers become 16-byte loads; a direct kernel for
// backward-data with one input channel (the stem's, whose 4-row tiles do 4x the useful work);
// a cp.async pipeline instead of the register prefetch.
#include <cstdlib>
#include <cstring>
#include <string>

#include "cuda/check.cuh"
#include "cuda/conv3d_lowp.h"
#include "cuda/conv3d_plan.cuh"
#include "cuda/conv3d_reduce.cuh"
#include "cuda/conv3d_scratch.cuh"
#include "cuda/conv3d_simple.cuh"
#include "cuda/memory.h"
#include "cuda/op_api.h"
#include "graph/precision.h"

namespace deepsc::cuda {

namespace {

using namespace conv3d;

template <int P, class T>
void launch_tiled(const Plan& pl, const float* A, const float* B, const float* bias, float* out, float* scratch) {
  const dim3 grid(static_cast<unsigned>(pl.grid[0]), static_cast<unsigned>(pl.grid[1]),
                  static_cast<unsigned>(pl.grid[2]));
  fast::kernel<P, T><<<grid, T::NT, fast::taps_bytes(pl.geo.taps)>>>(pl.geo, A, B, bias, out, scratch);
  DEEPSC_CUDA_CHECK(cudaGetLastError());
}

template <int P>
void launch_fast(const Plan& pl, const float* A, const float* B, const float* bias, float* out, float* scratch) {
  if (pl.tc) {
    switch (pl.tile) {
      case Tile::t128: return launch_tiled<P, fast::T128Tc>(pl, A, B, bias, out, scratch);
      case Tile::t64: return launch_tiled<P, fast::T64Tc>(pl, A, B, bias, out, scratch);
      case Tile::t32: return launch_tiled<P, fast::T32Tc>(pl, A, B, bias, out, scratch);
      default: break;  // make_plan sets tc only for these
    }
  }
  switch (pl.tile) {
    case Tile::t128: return launch_tiled<P, fast::T128>(pl, A, B, bias, out, scratch);
    case Tile::t64: return launch_tiled<P, fast::T64>(pl, A, B, bias, out, scratch);
    case Tile::t32: return launch_tiled<P, fast::T32>(pl, A, B, bias, out, scratch);
    case Tile::t8: return launch_tiled<P, fast::T8>(pl, A, B, bias, out, scratch);
    case Tile::t4: return launch_tiled<P, fast::T4>(pl, A, B, bias, out, scratch);
    case Tile::small: return launch_tiled<P, fast::TSmall>(pl, A, B, bias, out, scratch);
  }
}

// DEEPSC_CONV3D_MATH: "fp32" (default, FFMA) or "3xtf32" (tensor cores, fp32-accurate by the
// 3xTF32 split; opt-in until it has been checked on a GPU). Read on every call, so that a
// benchmark can compare the two in one process.
bool want_3xtf32() {
  const char* v = std::getenv("DEEPSC_CONV3D_MATH");
  if (v == nullptr || *v == 0 || std::strcmp(v, "fp32") == 0) return false;
  if (std::strcmp(v, "3xtf32") == 0) return true;
  fail(ErrorKind::Range, "conv3d",
       std::string("DEEPSC_CONV3D_MATH must be \"fp32\" or \"3xtf32\", got \"") + v + "\"");
}

// The fast kernel's pass P of plan pl: the TF32 / bf16 tensor-core kernel (conv3d_lowp.h) when
// the graph runs in that precision and the plan is one it takes, else the fp32 kernel.
template <int P>
void launch_pass(Precision pr, const Plan& pl, const float* A, const float* B, const float* bias, float* out,
                 float* scratch) {
  if (pr != Precision::fp32 && lowp_takes(pl)) return launch_lowp(pr, P, pl, A, B, bias, out, scratch);
  launch_fast<P>(pl, A, B, bias, out, scratch);
}

// One pass as a GEMM of M rows per group, NC columns and a reduction of R (conv3d_plan.cuh
// picks the kernel) in precision pr (graph::running_precision(): fp32 outside a compiled
// graph). The plan, the split count and the split sum do not depend on the precision.
template <int P>
void run_pass(Precision pr, const Dims& D, int64_t groups, int64_t M, int64_t NC, int64_t R, const float* A,
              const float* B, const float* bias, float* out) {
  if (M == 0 || NC == 0) return;
  if (R == 0) {  // an empty reduction (no input channels, or no batch in backward-weight)
    const int64_t total = groups * M * NC;
    if (P == kFwd && bias) {
      fill_bias<<<blocks_for(total), kThreads>>>(out, bias, D.K, D.out_sp, total);
      DEEPSC_CUDA_CHECK(cudaGetLastError());
    } else {
      fill_zero(out, total);
    }
    return;
  }
  const Plan pl = make_plan<P>(D, groups, want_3xtf32());
  if (!pl.fast) {
    if (!simple::grid_fits(groups, M, NC))
      fail(ErrorKind::Range, "conv3d",
           "too large for the CUDA kernels' grid (groups " + std::to_string(groups) + ", M " + std::to_string(M) +
               ", N " + std::to_string(NC) + "); at most 65535 groups");
    simple::launch<P>(D, groups, M, NC, R, A, B, bias, out);
    DEEPSC_CUDA_CHECK(cudaGetLastError());
    return;
  }
  if (pl.geo.splits == 1) return launch_pass<P>(pr, pl, A, B, bias, out, nullptr);
  ScratchLease lease(pl.scratch_floats * static_cast<int64_t>(sizeof(float)));
  float* part = static_cast<float*>(lease.get());
  launch_pass<P>(pr, pl, A, B, nullptr, out, part);
  const int64_t total = pl.geo.total;
  const int64_t blocks = (total + kSplitSumX - 1) / kSplitSumX;
  const dim3 threads(kSplitSumX, static_cast<unsigned>(split_sum_rows(pl.geo.splits)));
  split_sum<<<static_cast<unsigned>(blocks), threads>>>(part, pl.geo.splits, total, P == kFwd ? bias : nullptr,
                                                        D.out_sp, D.K, out);
  DEEPSC_CUDA_CHECK(cudaGetLastError());
}

// db[k] = sum over n and output positions of dy[n, k, o], in two fixed-order levels.
void bias_grad(const Dims& D, const float* dy, float* db) {
  if (D.K == 0) return;
  if (D.N == 0 || D.out_sp == 0) return fill_zero(db, D.K);
  const int64_t per_n = (D.out_sp + kBiasChunk - 1) / kBiasChunk, chunks = D.N * per_n, blocks = D.K * chunks;
  if (blocks > 0x7fffffff)
    fail(ErrorKind::Range, "conv3d",
         "bias gradient too large for one CUDA grid (" + std::to_string(blocks) + " blocks of " +
             std::to_string(kBiasChunk) + " positions)");
  ScratchLease lease(blocks * static_cast<int64_t>(sizeof(double)));
  double* part = static_cast<double*>(lease.get());
  bias_partial<<<static_cast<unsigned>(blocks), kThreads>>>(dy, part, D.K, D.out_sp, per_n, chunks);
  DEEPSC_CUDA_CHECK(cudaGetLastError());
  bias_finish<<<blocks_for(D.K), kThreads>>>(part, D.K, chunks, db);
  DEEPSC_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void conv3d_forward(const Conv3dParams& p, const OpArgs& a) {
  const Shape shapes[3] = {a.in[0].shape, a.in[1].shape, a.in.size() > 2 ? a.in[2].shape : Shape{}};
  const ConvGeometry geo = Conv3d::geometry(p, std::span<const Shape>(shapes, a.in.size()));
  const Dims D = make_dims(geo);
  const float* bias = a.in.size() > 2 && a.in[2].present() ? a.in[2].data : nullptr;
  run_pass<kFwd>(graph::running_precision(), D, geo.groups, D.Kg, D.N * D.out_sp, D.Cg * D.kvol, a.in[1].data, a.in[0].data, bias,
                 a.out[0].data);
}

void conv3d_backward(const Conv3dParams& p, const OpGradArgs& a) {
  const Shape shapes[3] = {a.in[0].shape, a.in[1].shape, a.in.size() > 2 ? a.in[2].shape : Shape{}};
  const ConvGeometry geo = Conv3d::geometry(p, std::span<const Shape>(shapes, a.in.size()));
  const Dims D = make_dims(geo);
  const float* dy = a.grad_out[0].data;
  const Precision pr = graph::running_precision();
  if (a.grad_in[0].present())
    run_pass<kBwdData>(pr, D, geo.groups, D.Cg, D.N * D.in_sp, D.Kg * D.kvol, a.in[1].data, dy, nullptr,
                       a.grad_in[0].data);
  if (a.grad_in[1].present())
    run_pass<kBwdWeight>(pr, D, geo.groups, D.Kg, D.Cg * D.kvol, D.N * D.out_sp, dy, a.in[0].data, nullptr,
                         a.grad_in[1].data);
  if (a.grad_in.size() > 2 && a.grad_in[2].present()) bias_grad(D, dy, a.grad_in[2].data);
}

}  // namespace deepsc::cuda
