#pragma once
// The CUDA backend as the dispatcher sees it. Host-side declarations only (no CUDA headers),
// so plain C++ translation units can include it.
#include <string>
#include <vector>

#include "deepsc/registry.h"

namespace deepsc::cuda {

/// Number of visible CUDA devices; 0 when there is no GPU or no driver (never throws).
int device_count();
/// "NAME (sm_XY, N MiB)" per device.
std::vector<std::string> device_names();
/// Whether this op has a CUDA kernel.
bool supports(OpKind kind);
void run_forward(const OpInstance& op, const OpArgs& args);
void run_backward(const OpInstance& op, const OpGradArgs& args);

}  // namespace deepsc::cuda
