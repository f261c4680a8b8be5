#pragma once
// Optional inputs (a bias, a mask, a loss weight). An absent one reaches infer() as a rank-0
// shape, so infer() cannot tell it from a present tensor of shape []: such a tensor would pass
// validation and then be read as if it had the full shape. The kernels read optional inputs
// through this check instead.
#include <span>
#include <string>

#include "deepsc/op.h"

namespace deepsc::cpu {

/// in[i]'s data, or nullptr when it is absent; TypeError naming `op` when it is present with
/// shape [] (which infer() could not check).
inline const float* optional_input(std::span<const TensorView> in, size_t i, const char* op, const char* name) {
  if (i >= in.size() || !in[i].present()) return nullptr;
  if (in[i].shape.rank() == 0)
    fail(ErrorKind::Type, op, std::string(name) + " has shape []: give it its full shape, or pass null to leave it out");
  return in[i].data;
}

}  // namespace deepsc::cpu
