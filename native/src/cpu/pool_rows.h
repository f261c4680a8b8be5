#pragma once
// Helpers for the 3D pooling kernels (max_pool3d, avg_pool3d): windows are visited tap by tap,
// and for each tap along W the outputs whose tap lands inside the input form one contiguous
// range, so the inner loop over ow runs without bounds checks and vectorises (stride 1) or
// at least runs branch-free (stride > 1).
#include <algorithm>
#include <cstdint>

#include "deepsc/ops/pool_window.h"

namespace deepsc::cpu::pool {

/// The outputs o in [lo, hi) with 0 <= o * stride + off < in (and o < out).
struct Range {
  int64_t lo, hi;
};
inline Range valid_outputs(int64_t off, int64_t stride, int64_t in, int64_t out) {
  const int64_t lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  const int64_t hi = in - 1 - off < 0 ? 0 : std::min(out, (in - 1 - off) / stride + 1);
  return {lo, std::max(lo, hi)};
}

/// Sizes of one pooled tensor: input planes of D x H x W, output planes of oD x oH x oW.
struct Dims {
  int64_t planes, d, h, w, od, oh, ow;
};
inline Dims dims(const Shape& x, const Shape& y) { return {x[0] * x[1], x[2], x[3], x[4], y[2], y[3], y[4]}; }

/// Calls fn(input_row_pointer_offset, off_w) for every tap (kd, kh) of output row (od, oh)
/// whose D and H coordinates are inside the input, in (kd, kh) order; fn then handles the W
/// taps. `row0` is the offset of the input row (id, ih) within the plane.
template <class Fn>
void for_rows_of_window(const PoolWindow& win, const Dims& g, int64_t od, int64_t oh, Fn&& fn) {
  for (int64_t kd = 0; kd < win.kernel[0]; ++kd) {
    const int64_t id = od * win.stride[0] - win.padding[0] + kd * win.dilation[0];
    if (id < 0 || id >= g.d) continue;
    for (int64_t kh = 0; kh < win.kernel[1]; ++kh) {
      const int64_t ih = oh * win.stride[1] - win.padding[1] + kh * win.dilation[1];
      if (ih < 0 || ih >= g.h) continue;
      fn((id * g.h + ih) * g.w);
    }
  }
}

}  // namespace deepsc::cpu::pool
