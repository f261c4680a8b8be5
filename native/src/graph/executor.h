#pragma once
// The executor: owns a compiled program, its one arena and the persistent tensors
// (parameters, constants, state), and runs forward, backward and the optimizer step with no
// allocation. It enforces the order of calls (backward needs a forward at the current
// parameters; step needs fresh gradients) because the arena reuses memory: a backward pass
// overwrites activations that died, and a forward pass overwrites gradients. Gradients of
// several micro-batches are summed outside the arena (accumulator.h).
#include <atomic>
#include <map>
#include <memory>
#include <optional>

#include "deepsc/gradient_hook.h"
#include "deepsc/precision.h"
#include "graph/accumulator.h"
#include "graph/gradient_sync.h"
#include "graph/memory.h"
#include "graph/optimizer.h"
#include "graph/planner.h"
#include "graph/program.h"

namespace deepsc::graph {

/// A leaf that lives outside the arena. Shared between executors compiled with `share_from`.
struct Persistent {
  std::string name;
  ValueKind kind;
  Shape shape;
  TrackedBuffer data;
  bool trainable = false;
};

/// What executors that share parameters also share: one run at a time across all of them,
/// and the version of the parameters (bumped by every step and every write).
struct SharedState {
  std::atomic<bool> busy{false};
  std::atomic<uint64_t> param_version{0};
};

/// What a backward() does besides computing the gradients.
struct BackwardMode {
  /// Also add the trainable parameters' gradients into the accumulator (one micro-batch; see accumulate()).
  bool accumulate = false;
  /// With a gradient hook set: this backward completes the step's gradients, so they are handed
  /// to the hook (averaged over the ranks) as they become final. False on the micro-batches
  /// before the last (PyTorch DDP's no_sync). Ignored without a hook.
  bool sync_gradients = true;
};

struct CompileOptions {
  Backend backend = Backend::cpu;
  bool backward = false;
  std::vector<std::string> input_grads;
  std::vector<std::string> seed_outputs;
  Reuse reuse = Reuse::greedy_by_size;
  std::vector<std::string> recompute;  ///< node-name prefixes of recomputed segments (BuildOptions::recompute)
  bool in_place = true;                ///< BuildOptions::in_place
  bool declared_reads = true;          ///< BuildOptions::declared_reads
  /// The backward's order (graph/backward_order.h); none: plan each, keep the smaller arena.
  std::optional<BackwardOrder> backward_order;
  /// Recompute cheap values (graph/cheap_recompute.h); none: plan both, keep the smaller arena.
  std::optional<bool> recompute_cheap;
  Precision precision = Precision::fp32;  ///< checked by graph/precision.h; run as graph::RunningPrecision
};

class Executor {
 public:
  /// Compiles `g`. `init` gives the data of every parameter, constant and state leaf (by
  /// name; element count checked by the caller). With `share_from`, leaves of the same name,
  /// kind and shape use that executor's storage (their `init` is ignored) and the two
  /// executors share one busy flag.
  Executor(Graph g, const CompileOptions& opt, const std::map<std::string, const float*>& init,
           const Executor* share_from = nullptr);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  const Graph& graph() const { return graph_; }
  const Program& program() const { return program_; }
  const ArenaPlan& plan() const { return plan_; }
  /// The arena the same program would need without recomputation (== plan().floats without it).
  int64_t floats_without_recompute() const { return floats_without_recompute_; }
  /// The arena of the reference choice: the backward in reverse creation order, no cheap
  /// recomputation (== plan().floats when that was kept; graph/backward_order.h,
  /// graph/cheap_recompute.h).
  int64_t floats_of_reference_choice() const { return floats_of_reference_choice_; }
  bool has_backward() const { return has_backward_; }
  int64_t persistent_bytes() const;
  const std::shared_ptr<SharedState>& shared() const { return shared_; }

  /// Where a value's data lives (inputs: the arena slot to fill before forward()).
  TensorView value_view(int value) const;
  /// A value's gradient; absent when it has none.
  TensorView grad_view(int value) const;
  /// A persistent leaf (parameter, constant, state); nullptr for inputs and node outputs.
  Persistent* leaf(int value) const { return leaves_[static_cast<size_t>(value)].get(); }
  /// Where the arena, the leaves and the optimizer state live. On Backend::cuda the pointers of
  /// value_view, grad_view and leaf data are device pointers: use the copies below.
  Backend backend() const { return backend_; }
  /// Host copy of a value (an input's slot, a leaf, a computed node output): its element count.
  /// Type error when the value has no storage (a node the program pruned).
  void read_value(int value, float* host_dst) const;
  /// Overwrites a value from host memory (an input before forward(), or a leaf: then call
  /// parameters_changed()).
  void write_value(int value, const float* host_src);
  /// Host copy of a value's gradient from the last backward; false when it has none.
  bool read_gradient(int value, float* host_dst) const;

  /// Throws (Error, naming what to call first) when the call may not run now.
  void check_can_backward() const;
  void check_can_step() const;
  void check_can_accumulate() const;
  /// Throws while micro-batches are accumulated but not stepped: optimizer state read or
  /// restored then would not match what the next step does (checkpoint at step boundaries).
  void check_step_boundary(const char* what) const;
  void check_gradients_ready() const;

  void forward();
  /// `seeds[k]` holds the gradient of program().seed_values[k] (its element count).
  void backward(const std::vector<std::vector<float>>& seeds, BackwardMode mode = {});
  /// Adds the trainable parameters' gradients of the last backward() into the accumulator
  /// (see accumulator.h). A forward() may follow; step() then uses the micro-batches' mean.
  void accumulate();
  /// Micro-batches accumulated since the last step (0: step() uses the last backward's gradients).
  int micro_batches() const { return accum_.count(); }
  /// Forgets accumulated micro-batches and the last backward's gradients (PyTorch's zero_grad).
  void zero_gradients();
  /// Host copy of the mean of parameter `value`'s accumulated gradients; false when it has none.
  bool accumulated_gradient(int value, float* host_dst) const;
  /// Clips and updates with the accumulated mean when micro-batches were accumulated, else with
  /// the last backward's gradients; then forgets both.
  StepReport step();

  /// Sets (a copy of) the gradient hook, or removes it (nullptr); settles a reduction in flight
  /// first. The caller keeps hook->ctx alive while it is set. Type error for another ABI version.
  void set_gradient_hook(const deepsc_gradient_hook* hook);
  bool has_gradient_hook() const { return hook_.has_value(); }

  /// Replaces the optimizer (its state starts fresh).
  void set_optimizer(OptimizerConfig cfg);
  Optimizer* optimizer() const { return optimizer_.get(); }
  /// Call after writing parameters or state from outside: stale activations and gradients
  /// must not be used.
  void parameters_changed();

 private:
  struct StepViews {
    std::vector<TensorView> in, out, grad_out, grad_in;
    Workspace ws;
  };
  float* ptr(int buffer) const { return buffer < 0 ? nullptr : ptrs_[static_cast<size_t>(buffer)]; }
  void run_steps(int begin, int end, const std::vector<std::vector<float>>* seeds);
  /// Device backends: reports a failed launch naming the node (DEEPSC_CUDA_SYNC=1: waits for
  /// each step, so an execution fault names its node too).
  void after_device_step(const Step& st) const;
  /// Hands the gradients final after step `s` to the hook (a syncing backward).
  void hand_over_gradients(int s);
  /// Waits for a gradient reduction in flight, so its buffers may be read or reused.
  void settle_gradients() const;

  Graph graph_;
  Program program_;
  ArenaPlan plan_;
  int64_t floats_without_recompute_ = 0;
  int64_t floats_of_reference_choice_ = 0;
  Backend backend_;
  Precision precision_;  ///< the steps run inside a graph::RunningPrecision of it (the CUDA conv3d reads it)
  bool has_backward_ = false;
  bool sync_each_step_ = false;
  TrackedBuffer arena_;
  std::vector<std::shared_ptr<Persistent>> leaves_;
  std::vector<float*> ptrs_;
  std::vector<StepViews> views_;
  std::unique_ptr<Optimizer> optimizer_;
  std::shared_ptr<SharedState> shared_;
  std::optional<uint64_t> forward_at_;   // param version of the last forward whose activations are intact
  std::optional<uint64_t> gradients_at_; // param version the current gradients were computed at
  GradientAccumulator accum_;
  bool last_backward_accumulated_ = false;  // accumulate() took the current gradients
  std::optional<deepsc_gradient_hook> hook_;  // set by a collective backend (gradient_hook.h)
  std::unique_ptr<GradientSync> sync_;        // with hook_
  bool syncing_ = false;                      // a backward handing gradients to the hook is running
  bool syncing_accumulates_ = false;          // ... and hands over the accumulated sums
};

}  // namespace deepsc::graph
