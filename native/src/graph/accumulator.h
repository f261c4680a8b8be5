#pragma once
// Gradient accumulation across micro-batches. The arena's parameter gradients live only until
// the next forward pass (it reuses their memory), so summing several micro-batches needs
// storage of its own: one persistent buffer per parameter, allocated on the first
// accumulation and kept for the executor's life (counted under `optimizer`).
//
// Contract: `add` sums the micro-batches' gradients (the first one is copied, so nothing needs
// zeroing); `mean` is the sum divided by the number of micro-batches, which is what the step
// uses. So with equally sized micro-batches (a compiled graph has fixed shapes) and a loss
// that is a mean over the batch, k accumulated micro-batches give the step of one batch k
// times as large, up to float rounding: the caller does not scale the loss by 1/k. The mean
// is the float sum divided by k (one correctly rounded division per element).
#include <cstdint>
#include <map>
#include <vector>

#include "deepsc/op.h"
#include "graph/memory.h"

namespace deepsc::graph {

/// One parameter's gradient as the accumulator reads it.
struct GradRef {
  int id = -1;            ///< the parameter's value id
  const float* grad = nullptr;
  int64_t n = 0;
};

class GradientAccumulator {
 public:
  explicit GradientAccumulator(Backend b = Backend::cpu) : backend_(b) {}
  /// Micro-batches summed since the last clear().
  int count() const { return count_; }
  /// The parameter version the sums were computed at (meaningful while count() > 0).
  uint64_t version() const { return version_; }

  /// Adds one micro-batch's gradients (copies them when count() == 0). The set of parameters
  /// is the same for every call of one executor (the program fixes it).
  void add(const std::vector<GradRef>& grads, uint64_t version);
  /// add() one parameter at a time (a backward handing each gradient on as it is final): adds
  /// `g` to its sum (copies it when count() == 0) and returns the sum; commit() then counts the
  /// micro-batch.
  float* add_one(const GradRef& g);
  void commit(uint64_t version);
  /// The sum of parameter `id` (nullptr when it has none or nothing was accumulated).
  float* sum(int id) const;
  /// Divides every sum by count() in place, so each holds the micro-batches' mean; a
  /// no-op for one micro-batch. Call once, right before the step that consumes them.
  void to_mean();
  /// Host `dst[0, n)` = the mean of parameter `id`'s micro-batch gradients, computed as
  /// to_mean() would (the sums are unchanged).
  void mean_to_host(int id, float* host_dst) const;
  /// Forgets the micro-batches (the buffers stay allocated for the next step).
  void clear() { count_ = 0; }

 private:
  Backend backend_;
  std::map<int, TrackedBuffer> sums_;
  int count_ = 0;
  uint64_t version_ = 0;
};

}  // namespace deepsc::graph
