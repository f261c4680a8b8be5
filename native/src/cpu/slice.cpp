#include <algorithm>
#include <cstring>

#include "cpu/subvolume.h"
#include "deepsc/axis.h"

namespace deepsc::cpu {

namespace {

// x as [outer, extent * inner]; the slice is columns [start * inner, (start + length) * inner).
struct SliceLayout {
  int64_t outer = 1, row = 1, begin = 0, width = 0;
};

SliceLayout layout(const SliceParams& p, const Shape& x) {
  const int axis = resolve_axis(p.axis, x.rank(), "slice");
  SliceLayout l;
  int64_t inner = 1;
  for (int d = 0; d < axis; ++d) l.outer *= x[d];
  for (int d = axis + 1; d < x.rank(); ++d) inner *= x[d];
  l.row = x[axis] * inner;
  l.begin = p.start * inner;
  l.width = p.length * inner;
  return l;
}

}  // namespace

void slice_forward(const SliceParams& p, const OpArgs& a) {
  const SliceLayout l = layout(p, a.in[0].shape);
  if (l.width == 0) return;
  const float* x = a.in[0].data;
  float* y = a.out[0].data;
  parallel_for(l.outer, std::max<int64_t>(1, kElementwiseGrain / l.width), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o)
      std::memcpy(y + o * l.width, x + o * l.row + l.begin, sizeof(float) * static_cast<size_t>(l.width));
  });
}

void slice_backward(const SliceParams& p, const OpGradArgs& a) {
  const TensorView& dx = a.grad_in[0];
  if (!dx.present()) return;
  const SliceLayout l = layout(p, a.in[0].shape);
  const float* g = a.grad_out[0].data;
  parallel_for(l.outer, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, l.row)), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      float* row = dx.data + o * l.row;
      std::fill(row, row + l.begin, 0.f);
      if (l.width) std::memcpy(row + l.begin, g + o * l.width, sizeof(float) * static_cast<size_t>(l.width));
      std::fill(row + l.begin + l.width, row + l.row, 0.f);
    }
  });
}

}  // namespace deepsc::cpu
