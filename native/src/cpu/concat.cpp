#include <algorithm>
#include <cstring>

#include "cpu/kernels.h"
#include "deepsc/axis.h"

namespace deepsc::cpu {

namespace {

// Row-major [outer, inner_i] blocks: input i occupies columns [col_i, col_i + inner_i) of
// each output row of width `width`.
struct ConcatLayout {
  int64_t outer = 1, width = 0;
  std::vector<int64_t> inner, col;
};

ConcatLayout layout(const ConcatParams& p, std::span<const TensorView> in) {
  ConcatLayout l;
  const int axis = resolve_axis(p.axis, in[0].shape.rank(), "concat");
  for (int d = 0; d < axis; ++d) l.outer *= in[0].shape[d];
  for (const TensorView& t : in) {
    int64_t inner = 1;
    for (int d = axis; d < t.shape.rank(); ++d) inner *= t.shape[d];
    l.col.push_back(l.width);
    l.inner.push_back(inner);
    l.width += inner;
  }
  return l;
}

enum class Direction { gather, scatter };

void move(const ConcatLayout& l, std::span<const TensorView> parts, float* whole, Direction dir) {
  if (l.width == 0) return;
  parallel_for(l.outer, std::max<int64_t>(1, kElementwiseGrain / l.width), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o)
      for (size_t i = 0; i < parts.size(); ++i) {
        if (!parts[i].present() || l.inner[i] == 0) continue;
        float* row = whole + o * l.width + l.col[i];
        float* part = parts[i].data + o * l.inner[i];
        const size_t bytes = sizeof(float) * static_cast<size_t>(l.inner[i]);
        if (row == part) continue;  // planned in place: the input already lies in its place of the output
        if (dir == Direction::gather) std::memcpy(row, part, bytes);
        else std::memcpy(part, row, bytes);
      }
  });
}

}  // namespace

void concat_forward(const ConcatParams& p, const OpArgs& a) {
  move(layout(p, a.in), a.in, a.out[0].data, Direction::gather);
}

void concat_backward(const ConcatParams& p, const OpGradArgs& a) {
  move(layout(p, a.in), a.grad_in, a.grad_out[0].data, Direction::scatter);
}

}  // namespace deepsc::cpu
