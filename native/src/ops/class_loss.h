#pragma once
// Shape and attribute checks shared by the class-index losses (cross_entropy, focal):
// logits [N, C, ...], target and optional mask [N, ...] or [N, 1, ...], class_weights [C].
#include <string>
#include <vector>

#include "deepsc/op.h"

namespace deepsc {

/// Reads `class_weights` (default: empty = all 1); each must be finite and >= 0.
inline std::vector<double> parse_class_weights(const Attrs& a) {
  std::vector<double> w = a.numbers("class_weights", {});
  for (size_t i = 0; i < w.size(); ++i)
    if (w[i] < 0)
      fail(ErrorKind::Range, a.op(), "class_weights[" + std::to_string(i) + "] = " + std::to_string(w[i]) + " must be >= 0");
  return w;
}

/// Whether `s` is [N, ...] or [N, 1, ...] for logits [N, C, ...].
inline bool matches_positions(const Shape& s, const Shape& logits) {
  std::vector<int64_t> flat{logits[0]}, keep{logits[0], 1};
  for (int i = 2; i < logits.rank(); ++i) {
    flat.push_back(logits[i]);
    keep.push_back(logits[i]);
  }
  return s.dims == flat || s.dims == keep;
}

/// Checks logits [N, C, ...] (in[0]), target (in[1]) and the optional mask (in[2]); returns {[1]}.
inline std::vector<Shape> infer_class_loss(std::span<const Shape> in, const std::vector<double>& class_weights, const char* op) {
  const Shape& x = in[0];
  if (x.rank() < 2) fail(ErrorKind::Type, op, "logits must be [N, C, ...] (rank >= 2), got shape " + x.str());
  if (x[1] < 1) fail(ErrorKind::Range, op, "logits must have at least one class, got shape " + x.str());
  Shape flat(std::vector<int64_t>{x[0]});
  for (int i = 2; i < x.rank(); ++i) flat.dims.push_back(x[i]);
  if (!matches_positions(in[1], x))
    fail(ErrorKind::Type, op, "target must have shape " + flat.str() + " (or with a size-1 channel axis) for logits " + x.str() + ", got " + in[1].str());
  if (in.size() > 2 && in[2].rank() != 0 && !matches_positions(in[2], x))
    fail(ErrorKind::Type, op, "mask must have shape " + flat.str() + " (or with a size-1 channel axis) for logits " + x.str() + ", got " + in[2].str());
  if (!class_weights.empty() && static_cast<int64_t>(class_weights.size()) != x[1])
    fail(ErrorKind::Type, op,
         "class_weights has " + std::to_string(class_weights.size()) + " entries, logits have " + std::to_string(x[1]) + " classes");
  return {Shape{1}};
}

}  // namespace deepsc
