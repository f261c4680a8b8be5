#pragma once
// Axis arguments as PyTorch takes them: negative values count from the end.
#include <cstdint>
#include <string>

#include "deepsc/error.h"

namespace deepsc {

/// `axis` in [-rank, rank) resolved to [0, rank); RangeError naming `op` otherwise.
inline int resolve_axis(int64_t axis, int rank, const std::string& op) {
  if (axis < -rank || axis >= rank)
    fail(ErrorKind::Range, op,
         "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank) + " (expected " +
             std::to_string(-rank) + " to " + std::to_string(rank - 1) + ")");
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

}  // namespace deepsc
