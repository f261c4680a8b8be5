#pragma once
// Native optimizers with PyTorch's update rules (torch.optim.SGD, Adam, AdamW), parameter
// groups with their own hyper-parameters, and global-norm gradient clipping
// (torch.nn.utils.clip_grad_norm_). State (step counts, moment buffers) is exposed for
// checkpoints so a resumed run continues bit for bit.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "graph/memory.h"
#include "graph/update_rules.h"

namespace deepsc::graph {

enum class OptimizerKind { sgd, adam, adamw };

const char* optimizer_name(OptimizerKind k);

struct ParamGroup {
  std::vector<int> params;  ///< parameter ids (the executor's leaf value ids)
  double lr = 1e-3;
  double weight_decay = 0;  ///< SGD/Adam: L2 added to the gradient; AdamW: decoupled decay
  double momentum = 0;      ///< SGD
  double dampening = 0;     ///< SGD
  bool nesterov = false;    ///< SGD
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  ///< Adam, AdamW
};

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::adam;
  std::vector<ParamGroup> groups;
  double clip_grad_norm = 0;  ///< > 0: scale all gradients so their global L2 norm is at most this
};

/// One parameter's view for a step: its data, its gradient (nullptr = none: skipped, as
/// PyTorch skips parameters whose .grad is None) and its element count.
struct ParamRef {
  float* param = nullptr;
  float* grad = nullptr;
  int64_t n = 0;
};

/// A parameter's optimizer state. SGD: buf1 = momentum_buffer. Adam/AdamW: buf1 = exp_avg,
/// buf2 = exp_avg_sq. `step` counts the updates this parameter received.
struct ParamState {
  int64_t step = 0;
  TrackedBuffer buf1, buf2;
};

struct StepReport {
  double grad_norm = 0;    ///< global L2 norm of the gradients before clipping
  double clip_scale = 1;   ///< factor the gradients were multiplied by (1 = not clipped)
  int updated = 0;         ///< parameters updated (those with a gradient)
  int micro_batches = 1;   ///< micro-batches whose mean gradient the step used (1 without accumulation)
};

class Optimizer {
 public:
  /// Validates `cfg` (RangeError naming the group and the value) and allocates the state.
  /// `size_of(id)` gives a parameter's element count. On Backend::cuda the state lives on the
  /// device and step() takes device pointers (the parameters' and gradients' memory).
  Optimizer(OptimizerConfig cfg, const std::function<int64_t(int)>& size_of, Backend backend = Backend::cpu);

  const OptimizerConfig& config() const { return cfg_; }
  void set_lr(size_t group, double lr);
  /// Clips, then updates every parameter of every group that has a gradient.
  StepReport step(const std::function<ParamRef(int)>& ref);

  Backend backend() const { return backend_; }
  std::map<int, ParamState>& states() { return states_; }
  /// Copies state buffer `k` (0 = buf1, 1 = buf2) of parameter `id` to / from host memory
  /// (its element count); Error when the parameter has no such buffer.
  void read_buffer(int id, int k, float* host_dst) const;
  void write_buffer(int id, int k, const float* host_src);
  /// Names of a parameter's state buffers for this optimizer ({"momentum_buffer"} or
  /// {"exp_avg", "exp_avg_sq"}); empty for SGD without momentum.
  std::vector<std::string> buffer_names() const;

 private:
  OptimizerConfig cfg_;
  Backend backend_ = Backend::cpu;
  std::map<int, ParamState> states_;
  TrackedBuffer norm_scratch_;       // cuda: partial and per-parameter sums of squares
  std::vector<double> norm_host_;    // cuda: the per-parameter sums, read back in order
};

/// The update rules, one per file (sgd.cpp, adam.cpp). `state` has buffers of p.n floats; on
/// Backend::cuda every pointer is a device pointer and the CUDA twin runs.
void sgd_update(Backend b, const ParamGroup& g, ParamState& state, const ParamRef& p);
void adam_update(Backend b, const ParamGroup& g, bool decoupled, ParamState& state, const ParamRef& p);
/// The float scalars of one update (shared by the CPU loops and the CUDA kernels): SGD before
/// its step `step` (0 = the first), Adam/AdamW at step t (1 = the first).
SgdScalars sgd_scalars(const ParamGroup& g, int64_t step);
AdamScalars adam_scalars(const ParamGroup& g, bool decoupled, int64_t t);

/// Sum of squares of x[0, n) in double, in a fixed order (deterministic for any thread count).
double sum_of_squares(const float* x, int64_t n);

}  // namespace deepsc::graph
