#pragma once
// conv3d's reduced-precision tensor-core passes (conv3d_lowp.cuh, launched by conv3d_lowp.cu):
// which plans they take and the launch. The plan, the scratch lease and the split sums are
// conv3d.cu's (make_plan, ScratchLease, split_sum), the same as for the fp32 kernel: only the
// kernel launched differs.
#include "cuda/conv3d_plan.cuh"
#include "deepsc/precision.h"

namespace deepsc::cuda::conv3d {

/// Whether the tensor-core kernels take plan pl: the fast kernel with a 32-row or larger
/// tiling. Other plans (M <= 8: the stem's one-channel passes; the 32 x 32 tiling of thin
/// backward-weight passes; the simple kernel) run in fp32 in every precision; they are the
/// memory-bound passes, where the multiply's precision gains nothing.
inline bool lowp_takes(const Plan& pl) { return pl.fast && has_tc(pl.tile); }

/// Launches pass `pass` (kFwd, kBwdData or kBwdWeight) of plan pl with its operands rounded
/// to `pr` (tf32 or bf16) on the tensor cores, fp32 accumulation: into `out` (pl.geo.splits ==
/// 1; forward adds `bias`) or the split partials into `scratch` (splits > 1; bias must be
/// null, the caller's split_sum adds it). Error (Range) for fp32 or a plan lowp_takes refuses.
void launch_lowp(Precision pr, int pass, const Plan& pl, const float* A, const float* B, const float* bias, float* out,
                 float* scratch);

}  // namespace deepsc::cuda::conv3d
