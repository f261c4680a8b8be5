#pragma once
// The geometry of one 3D convolution, shared by conv3d and conv_transpose3d (a transposed
// convolution is described by the convolution it transposes) and by every backend.
#include <array>
#include <cstdint>
#include <string>

#include "deepsc/attrs.h"
#include "deepsc/shape.h"

namespace deepsc {

/// conv3d in PyTorch's sense: input [N, C, in], weight [K, C/groups, k], output [N, K, out].
/// `out` is explicit so that a transposed convolution's output padding fits.
struct ConvGeometry {
  int64_t N = 1, C = 1, K = 1, groups = 1;
  std::array<int64_t, 3> in{}, out{}, k{}, s{1, 1, 1}, p{}, d{1, 1, 1};
};

namespace conv_attrs {

/// Largest stride, padding or dilation accepted: keeps every index product far from overflow.
inline constexpr int64_t kMaxAttr = int64_t(1) << 24;

inline const char* axis_name(int a) { return a == 0 ? "D" : a == 1 ? "H" : "W"; }

inline std::string triple_str(const std::array<int64_t, 3>& v) {
  return "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " + std::to_string(v[2]) + "]";
}

/// Reads attribute `key` as (D, H, W), each in [lo, kMaxAttr]; the error names the op, the key
/// and the value, and says what is allowed.
inline std::array<int64_t, 3> read(const Attrs& a, const char* key, int64_t dflt, int64_t lo) {
  const auto v = a.triple(key, dflt);
  for (int i = 0; i < 3; ++i)
    if (v[i] < lo || v[i] > kMaxAttr)
      fail(ErrorKind::Range, a.op(),
           std::string(key) + " must be " + (lo == 0 ? "non-negative" : "at least 1") + " (and at most 2^24), got " +
               triple_str(v) + " (" + axis_name(i) + " = " + std::to_string(v[i]) + ")");
  return v;
}

inline int64_t read_groups(const Attrs& a) {
  const int64_t g = a.integer("groups", 1);
  if (g < 1 || g > kMaxAttr) fail(ErrorKind::Range, a.op(), "groups must be at least 1, got " + std::to_string(g));
  return g;
}

}  // namespace conv_attrs
}  // namespace deepsc
