#pragma once
// Attribute and shape checks shared by crop and paste (5D sub-volumes of NCDHW tensors).
#include <array>
#include <string>

#include "deepsc/op.h"

namespace deepsc {

/// Attribute `key` as three integers [d, h, w] (one number is used for all three); required.
inline std::array<int64_t, 3> required_triple(const Attrs& a, const std::string& key) {
  if (!a.has(key)) fail(ErrorKind::Type, a.op(), "attribute '" + key + "' is required ([d, h, w])");
  return a.triple(key, 0);
}

// Built with += because GCC 12 warns falsely (-Wrestrict) on "literal" + std::string chains.
inline std::string triple_str(const std::array<int64_t, 3>& t) {
  std::string s = "[";
  for (int i = 0; i < 3; ++i) {
    if (i) s += ", ";
    s += std::to_string(t[i]);
  }
  s += "]";
  return s;
}

/// Requires region [offset, offset + size) to lie inside the spatial extent of `outer` (NCDHW).
inline void check_region(const Shape& outer, const std::array<int64_t, 3>& offset, const std::array<int64_t, 3>& size,
                         const char* op, const std::string& outer_name) {
  static const char* axis[3] = {"D", "H", "W"};
  for (int i = 0; i < 3; ++i) {
    if (offset[i] < 0) fail(ErrorKind::Range, op, "offset " + triple_str(offset) + " must be >= 0");
    if (offset[i] + size[i] > outer[2 + i])
    {
      std::string m = "region offset ";
      m += triple_str(offset);
      m += " + size ";
      m += triple_str(size);
      m += " exceeds " + outer_name + " " + outer.str() + " along ";
      m += axis[i];
      m += " (" + std::to_string(offset[i] + size[i]) + " > " + std::to_string(outer[2 + i]) + ")";
      fail(ErrorKind::Range, op, m);
    }
  }
}

}  // namespace deepsc
