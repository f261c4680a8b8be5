#pragma once
// Window geometry shared by max_pool3d and avg_pool3d: PyTorch's attribute names, defaults,
// checks and output-size rule (pooling_output_shape, with its ceil_mode correction).
#include <array>
#include <cstdint>
#include <string>

#include "deepsc/attrs.h"
#include "deepsc/shape.h"

namespace deepsc {

struct PoolWindow {
  std::array<int64_t, 3> kernel{1, 1, 1};
  std::array<int64_t, 3> stride{1, 1, 1};    ///< default: the kernel
  std::array<int64_t, 3> padding{0, 0, 0};
  std::array<int64_t, 3> dilation{1, 1, 1};  ///< avg_pool3d has none: always 1
  bool ceil_mode = false;
};

/// Reads kernel (required), stride, padding, ceil_mode and, when `with_dilation`, dilation.
/// Checks each value on its own (kernel >= 1, stride >= 1, 0 <= padding <= kernel / 2,
/// dilation >= 1), naming the op and the attribute.
PoolWindow parse_pool_window(const Attrs& a, bool with_dilation);

/// Output size along one axis for input size `in`: PyTorch's rule. Throws when the window
/// does not fit the padded input.
int64_t pool_output_size(const PoolWindow& w, int axis, int64_t in, const std::string& op);

/// x [N, C, D, H, W] to the pooled shape; checks rank, emptiness and that the window fits.
Shape pool_output_shape(const PoolWindow& w, const Shape& x, const std::string& op);

}  // namespace deepsc
