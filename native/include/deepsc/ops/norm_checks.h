#pragma once
// Argument checks shared by the normalisation ops (group_norm, instance_norm, batch_norm).
#include <cmath>
#include <span>
#include <string>

#include "deepsc/attrs.h"
#include "deepsc/shape.h"

namespace deepsc::norm_checks {

/// An optional input arrives with rank 0 when it is absent (see infer_shapes); the norms'
/// per-channel inputs all have rank 1, so rank 0 reads as "not given".
inline bool given(const Shape& s) { return s.rank() != 0; }

/// x must be [N, C, ...] with rank in [lo, hi] and no empty dimension.
inline void check_activation(const Shape& x, int lo, int hi, const std::string& op) {
  if (x.rank() < lo || x.rank() > hi)
    fail(ErrorKind::Type, op,
         "x must be [N, C, ...] with rank " + std::to_string(lo) + " to " + std::to_string(hi) + ", got shape " + x.str());
  for (int i = 0; i < x.rank(); ++i)
    if (x[i] < 1) fail(ErrorKind::Range, op, "x must not be empty, got shape " + x.str());
}

/// A per-channel input (gamma, beta, running statistics), when given, must be [C].
inline void check_per_channel(const Shape& s, int64_t channels, const std::string& op, const char* name) {
  if (!given(s)) return;
  if (s.rank() != 1 || s[0] != channels)
    fail(ErrorKind::Type, op,
         std::string(name) + " must have shape [C] = [" + std::to_string(channels) + "], got " + s.str());
}

/// eps: finite and >= 0 (0 is allowed, as in PyTorch, but then a constant group gives NaN).
inline double read_eps(const Attrs& a, const std::string& op) {
  const double eps = a.number("eps", 1e-5);
  if (eps < 0) fail(ErrorKind::Range, op, "eps must be >= 0, got " + std::to_string(eps));
  return eps;
}

}  // namespace deepsc::norm_checks
