#pragma once
// Which precisions (deepsc/precision.h) a compiled graph may ask for on each device, and the
// precision of the graph whose steps this thread is running (what the CUDA conv3d reads).
#include "deepsc/precision.h"
#include "deepsc/registry.h"

namespace deepsc::graph {

/// Accepts precision p on backend b, or fails (Range, op "compile") naming the option, the
/// precision and the device. fp32 runs everywhere. The CPU kernels compute in fp32 only. On
/// CUDA, tf32 and bf16 (conv3d's tensor-core kernels, src/cuda/conv3d_lowp.cu) are accepted
/// only by an engine built with the CMake option DEEPSC_CUDA_LOWP=ON: the kernels have not yet
/// been checked on a GPU, so a released build (the option OFF) keeps refusing them.
void require_precision(Precision p, Backend b);

/// Whether this engine was built with DEEPSC_CUDA_LOWP (require_precision accepts tf32 and
/// bf16 on CUDA).
bool lowp_enabled();

/// The precision of the compiled graph whose steps the calling thread is running: the
/// executor opens a RunningPrecision around them, and the CUDA conv3d / conv_transpose3d read
/// it to choose between the fp32 and the tensor-core kernels. fp32 outside a graph run (the
/// eager op calls, the op timer).
Precision running_precision();

/// Sets running_precision() on this thread for its lifetime (then restores the previous one).
class RunningPrecision {
 public:
  explicit RunningPrecision(Precision p);
  ~RunningPrecision();
  RunningPrecision(const RunningPrecision&) = delete;
  RunningPrecision& operator=(const RunningPrecision&) = delete;

 private:
  Precision previous_;
};

}  // namespace deepsc::graph
