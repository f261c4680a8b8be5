#pragma once
// Shapes: up to 8 dims of int64, with overflow-checked element counts.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "deepsc/error.h"

namespace deepsc {

/// Largest element count a tensor may have (2^48): far above any memory, far below overflow.
inline constexpr int64_t kMaxElements = int64_t(1) << 48;

/// a * b, throwing a RangeError naming `op` when the product would exceed kMaxElements.
inline int64_t checked_mul(int64_t a, int64_t b, const std::string& op) {
  if (a < 0 || b < 0) fail(ErrorKind::Range, op, "negative dimension in a shape product");
  if (a != 0 && b > kMaxElements / a)
    fail(ErrorKind::Range, op,
         "shape product " + std::to_string(a) + " x " + std::to_string(b) + " overflows the 2^48 element limit");
  return a * b;
}

struct Shape {
  std::vector<int64_t> dims;

  Shape() = default;
  Shape(std::initializer_list<int64_t> d) : dims(d) {}
  explicit Shape(std::vector<int64_t> d) : dims(std::move(d)) {}

  int rank() const { return static_cast<int>(dims.size()); }
  int64_t operator[](int i) const { return dims[static_cast<size_t>(i)]; }
  int64_t& operator[](int i) { return dims[static_cast<size_t>(i)]; }
  bool operator==(const Shape& o) const { return dims == o.dims; }
  bool operator!=(const Shape& o) const { return dims != o.dims; }

  /// Element count; throws RangeError (naming `op`) on a negative dim or overflow.
  int64_t numel(const std::string& op = "shape") const {
    int64_t n = 1;
    for (int64_t d : dims) n = checked_mul(n, d, op);
    return n;
  }
  /// Element count of an already validated shape (no checks).
  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }

  std::string str() const {
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
  }
};

/// Requires `s` to have rank `rank`, naming the op and the input in the error.
inline void require_rank(const Shape& s, int rank, const std::string& op, const std::string& what) {
  if (s.rank() != rank)
    fail(ErrorKind::Type, op, what + " must have rank " + std::to_string(rank) + ", got shape " + s.str());
}

}  // namespace deepsc
