#include "deepsc/ops/pool_window.h"

namespace deepsc {

namespace {

const char* kAxis[3] = {"D", "H", "W"};

std::string triple_str(const std::array<int64_t, 3>& v) {
  return "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " + std::to_string(v[2]) + "]";
}

}  // namespace

PoolWindow parse_pool_window(const Attrs& a, bool with_dilation) {
  const std::string& op = a.op();
  if (!a.has("kernel")) fail(ErrorKind::Type, op, "attribute 'kernel' is required (a number or [kD, kH, kW])");
  PoolWindow w;
  w.kernel = a.triple("kernel", 1);
  w.stride = a.has("stride") ? a.triple("stride", 1) : w.kernel;
  w.padding = a.triple("padding", 0);
  if (with_dilation) w.dilation = a.triple("dilation", 1);
  w.ceil_mode = a.boolean("ceil_mode", false);
  for (int i = 0; i < 3; ++i) {
    if (w.kernel[i] < 1) fail(ErrorKind::Range, op, "kernel must be >= 1 on every axis, got " + triple_str(w.kernel));
    if (w.stride[i] < 1) fail(ErrorKind::Range, op, "stride must be >= 1 on every axis, got " + triple_str(w.stride));
    if (w.dilation[i] < 1)
      fail(ErrorKind::Range, op, "dilation must be >= 1 on every axis, got " + triple_str(w.dilation));
    if (w.padding[i] < 0)
      fail(ErrorKind::Range, op, "padding must be >= 0 on every axis, got " + triple_str(w.padding));
    // PyTorch's rule: a window must always hold at least one real voxel.
    if (w.padding[i] > w.kernel[i] / 2)
      fail(ErrorKind::Range, op,
           "padding must be at most half the kernel on every axis, got padding " + triple_str(w.padding) +
               " for kernel " + triple_str(w.kernel));
  }
  return w;
}

int64_t pool_output_size(const PoolWindow& w, int i, int64_t in, const std::string& op) {
  const int64_t k = w.kernel[i], s = w.stride[i], p = w.padding[i], d = w.dilation[i];
  const int64_t span = in + 2 * p - d * (k - 1) - 1;  // last valid window start, padded coordinates
  if (span < 0)
    fail(ErrorKind::Range, op,
         "the window (kernel " + std::to_string(k) + ", dilation " + std::to_string(d) + ") is larger than the padded input on axis " +
             kAxis[i] + " (size " + std::to_string(in) + " + 2 x padding " + std::to_string(p) + ")");
  int64_t out = (span + (w.ceil_mode ? s - 1 : 0)) / s + 1;
  // ceil_mode: the last window must start inside the input or the left padding.
  if (w.ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

Shape pool_output_shape(const PoolWindow& w, const Shape& x, const std::string& op) {
  if (x.rank() != 5) fail(ErrorKind::Type, op, "x must be [N, C, D, H, W] (rank 5), got shape " + x.str());
  for (int i = 0; i < 5; ++i)
    if (x[i] < 1) fail(ErrorKind::Range, op, "x must not be empty, got shape " + x.str());
  Shape out = x;
  for (int i = 0; i < 3; ++i) out[2 + i] = pool_output_size(w, i, x[2 + i], op);
  return out;
}

}  // namespace deepsc
