#pragma once
// Which precisions (deepsc/precision.h) a compiled graph may ask for on each device.
#include "deepsc/precision.h"
#include "deepsc/registry.h"

namespace deepsc::graph {

/// Accepts precision p on backend b, or fails (Range, op "compile") naming the option, the
/// precision and the device. Today every device computes in fp32 only: the CPU kernels have
/// no reduced-precision path, and the CUDA backend's TF32 / bf16 tensor-core conv3d kernels
/// (src/cuda/conv3d_lowp.cu) are not yet selected by the executor.
void require_precision(Precision p, Backend b);

}  // namespace deepsc::graph
