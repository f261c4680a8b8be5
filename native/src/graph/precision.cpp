#include "graph/precision.h"

#include <string>

#include "deepsc/error.h"

namespace deepsc::graph {

namespace {
thread_local Precision running = Precision::fp32;
}  // namespace

bool lowp_enabled() {
#if defined(DEEPSC_CUDA_LOWP) && DEEPSC_CUDA_LOWP
  return true;
#else
  return false;
#endif
}

void require_precision(Precision p, Backend b) {
  if (p == Precision::fp32) return;
  const std::string head = std::string("precision '") + precision_name(p) + "' is not available on device '" +
                           backend_name(b) + "'";
  if (b == Backend::cpu)
    fail(ErrorKind::Range, "compile", head + ": the CPU kernels compute in fp32 only; use precision 'fp32'");
  if (b == Backend::cuda && lowp_enabled()) return;
  fail(ErrorKind::Range, "compile",
       head + " in this version: its tensor-core conv3d kernels are built but await checks on a GPU (engines "
              "built with the CMake option DEEPSC_CUDA_LOWP=ON use them); use precision 'fp32'");
}

Precision running_precision() { return running; }

RunningPrecision::RunningPrecision(Precision p) : previous_(running) { running = p; }

RunningPrecision::~RunningPrecision() { running = previous_; }

}  // namespace deepsc::graph
