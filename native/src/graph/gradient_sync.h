#pragma once
// The executor's side of the gradient hook (deepsc/gradient_hook.h): which trainable
// parameter's gradient is final after which program step, the hand-over of each one to the hook
// as soon as it is (staged through host memory on device backends), and settling the
// reduction before anything reads or reuses those buffers.
//
// States: idle -> (a syncing backward hands gradients over) in flight -> settle() -> idle with
// the outcome kept (ok, or the hook's error) until the step consumes it or the gradients are
// discarded.
#include <functional>
#include <string>
#include <vector>

#include "deepsc/gradient_hook.h"
#include "deepsc/op.h"
#include "graph/program.h"

namespace deepsc::graph {

class GradientSync {
 public:
  /// `trainable(v)`: whether value v is a trainable parameter (those with a gradient buffer are handed over).
  GradientSync(const Program& p, const std::function<bool(int)>& trainable, Backend backend);

  /// Parameters whose gradient is final after step `s` (empty for most steps).
  const std::vector<int>& final_after(int s) const { return final_after_[static_cast<size_t>(s)]; }

  /// Hands parameter `id`'s final gradient (`n` floats at `grad`, in the backend's memory) to the hook.
  void hand_over(const deepsc_gradient_hook& hook, int id, float* grad, int64_t n);
  /// The backward handed over its last gradient.
  void finish(const deepsc_gradient_hook& hook);
  /// Waits for a reduction in flight (device backends: copies the means back); keeps its outcome.
  void settle(const deepsc_gradient_hook& hook);
  /// Whether gradients were handed over and not yet settled.
  bool in_flight() const { return in_flight_; }
  /// The kept outcome: whether the current gradients are the ranks' mean, and the error if the reduction failed.
  bool synced() const { return synced_; }
  const std::string& error() const { return error_; }
  /// Forgets the outcome (the gradients were consumed or discarded). Settle first.
  void reset() {
    synced_ = false;
    error_.clear();
  }

 private:
  struct Staged {
    float* device;  // where the gradient lives (copied back there after the reduction)
    std::vector<float> host;
  };
  Backend backend_;
  std::vector<std::vector<int>> final_after_;
  std::vector<Staged> staged_;  // device backends: one per parameter handed over this step
  size_t staged_used_ = 0;
  bool in_flight_ = false;
  bool synced_ = false;
  std::string error_;
};

}  // namespace deepsc::graph
