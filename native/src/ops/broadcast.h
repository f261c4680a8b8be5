#pragma once
// NumPy broadcasting of two shapes (add, mul): shapes are aligned at their last axis; along
// each axis the extents must be equal or one of them 1.
#include <algorithm>

#include "deepsc/op.h"

namespace deepsc {

/// The broadcast shape of a and b; TypeError naming `op`, both shapes and the axis otherwise.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int rank = std::max(a.rank(), b.rank());
  if (rank > 8) fail(ErrorKind::Range, op, "shapes " + a.str() + " and " + b.str() + " have more than 8 dims");
  Shape out(std::vector<int64_t>(static_cast<size_t>(rank), 1));
  for (int i = 0; i < rank; ++i) {
    const int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      fail(ErrorKind::Type, op,
           "shapes " + a.str() + " and " + b.str() + " do not broadcast: axis " + std::to_string(i - rank) + " has " +
               std::to_string(da) + " vs " + std::to_string(db) + " (each axis must match or be 1)");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace deepsc
