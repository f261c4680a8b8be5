// conv3d's reduced-precision tensor-core launches (conv3d_lowp.h): the kernel of
// conv3d_lowp.cuh for each pass, tiling and precision.
#include <string>

#include "cuda/check.cuh"
#include "cuda/conv3d_lowp.cuh"
#include "cuda/conv3d_lowp.h"

namespace deepsc::cuda::conv3d {

namespace {

template <int P, class T>
void launch_tiled(const Plan& pl, const float* A, const float* B, const float* bias, float* out, float* scratch) {
  const dim3 grid(static_cast<unsigned>(pl.grid[0]), static_cast<unsigned>(pl.grid[1]),
                  static_cast<unsigned>(pl.grid[2]));
  lowp::kernel<P, T><<<grid, T::NT, fast::taps_bytes(pl.geo.taps)>>>(pl.geo, A, B, bias, out, scratch);
  DEEPSC_CUDA_CHECK(cudaGetLastError());
}

template <int P, Precision Pr>
void launch_pass(const Plan& pl, const float* A, const float* B, const float* bias, float* out, float* scratch) {
  switch (pl.tile) {
    case Tile::t128: return launch_tiled<P, lowp::Tiling<fast::T128Tc, Pr>>(pl, A, B, bias, out, scratch);
    case Tile::t64: return launch_tiled<P, lowp::Tiling<fast::T64Tc, Pr>>(pl, A, B, bias, out, scratch);
    case Tile::t32: return launch_tiled<P, lowp::Tiling<fast::T32Tc, Pr>>(pl, A, B, bias, out, scratch);
    default: break;  // refused by launch_lowp
  }
}

template <Precision Pr>
void launch_precision(int pass, const Plan& pl, const float* A, const float* B, const float* bias, float* out,
                      float* scratch) {
  if (pass == kFwd) return launch_pass<kFwd, Pr>(pl, A, B, bias, out, scratch);
  if (pass == kBwdData) return launch_pass<kBwdData, Pr>(pl, A, B, bias, out, scratch);
  return launch_pass<kBwdWeight, Pr>(pl, A, B, bias, out, scratch);
}

}  // namespace

void launch_lowp(Precision pr, int pass, const Plan& pl, const float* A, const float* B, const float* bias, float* out,
                 float* scratch) {
  if (pr != Precision::tf32 && pr != Precision::bf16)
    fail(ErrorKind::Range, "conv3d", std::string("the tensor-core kernels take tf32 or bf16, not ") + precision_name(pr));
  if (!lowp_takes(pl))
    fail(ErrorKind::Range, "conv3d",
         std::string("the tensor-core kernels take the fast kernel's 32-row and larger tilings, not ") +
             (pl.fast ? tile_name(pl.tile) : "the simple kernel"));
  if (pass != kFwd && pass != kBwdData && pass != kBwdWeight)
    fail(ErrorKind::Range, "conv3d", "unknown pass " + std::to_string(pass));
  if (pl.geo.splits > 1 && (scratch == nullptr || bias != nullptr))
    fail(ErrorKind::Range, "conv3d", "a split pass writes its partials to scratch and adds no bias");
  if (pr == Precision::tf32) launch_precision<Precision::tf32>(pass, pl, A, B, bias, out, scratch);
  else launch_precision<Precision::bf16>(pass, pl, A, B, bias, out, scratch);
}

}  // namespace deepsc::cuda::conv3d
