#pragma once
// Which backward kernels can add a gradient into their target instead of overwriting it
// (OpGradArgs::accumulate). The planner uses it for a value's second and later gradient
// contributions: such a kernel writes straight into the gradient, so the contribution needs no
// temporary buffer and no accumulate step.
//
// conv3d's and conv_transpose3d's input gradient (the CPU engine's backward-data adds each
// element once, computed in full: the same bits as a separate temporary added in). Only on the
// CPU: the CUDA kernels overwrite, so the CUDA executor keeps the temporary.
#include <cstddef>

#include "deepsc/registry.h"

namespace deepsc::graph {

inline bool accumulates_into(const OpInstance& op, size_t input) {
  return input == 0 && (op.kind == OpKind::Conv3d || op.kind == OpKind::ConvTranspose3d);
}

}  // namespace deepsc::graph
