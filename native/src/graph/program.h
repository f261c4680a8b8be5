#pragma once
// A compiled graph as a straight-line program: buffers (arena or persistent) and steps
// (forward kernels, then backward kernels with gradient accumulation, and forward kernels run
// again for recomputed segments). Liveness is each arena buffer's [first, last] step, counting
// only the steps that read or write its data (a backward step reads what its op declares in
// deepsc/backward_reads.h); the planner turns it into arena offsets.
#include <climits>
#include <utility>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace deepsc::graph {

enum class Place { arena, persistent };

struct Buffer {
  int64_t floats = 0;
  Place place = Place::arena;
  int leaf = -1;        ///< persistent: the leaf value id it stores
  int64_t offset = -1;  ///< arena: offset in floats, set by the planner
  int first = INT_MAX;  ///< first step that touches it
  int last = -1;        ///< last step that touches it
  std::string what;     ///< for diagnostics ("grad of node 'fc':0", "workspace of ...")
  bool fed = false;     ///< written from outside before step 0 (graph inputs)
  int alias_of = -1;    ///< in place: this buffer is `alias_of`'s memory (no references remain to it, unless alias_offset > 0)
  int64_t alias_offset = -1;  ///< a concat input placed in its output: this buffer is `alias_of`'s memory from this float on (steps keep referring to it)
};

enum class StepKind {
  forward,     ///< run_forward(node)
  backward,    ///< zero-fill `zero`, then run_backward(node)
  accumulate,  ///< dst += src (a second gradient contribution)
  seed,        ///< dst = 1 (seed < 0: the loss) or dst = seed data `seed` supplied at backward()
};

struct Step {
  StepKind kind;
  int node = -1;
  std::vector<int> in, out, grad_out, grad_in;  ///< buffer ids, -1 = absent
  /// Backward steps: which of `in` / `out` the kernel reads (its op's declared needs); the
  /// others are passed for their shapes only and do not keep their buffers alive. Empty: all.
  std::vector<bool> reads_in, reads_out;
  /// Backward steps: bit i set: the kernel adds input i's gradient into grad_in[i] (a later
  /// contribution written straight into the gradient; graph/accumulate_into.h).
  uint64_t accumulate = 0;
  bool recompute = false;  ///< a forward kernel run again during the backward pass
  std::vector<int> zero;                         ///< buffers zero-filled before the kernel
  int workspace = -1;
  int dst = -1, src = -1;
  int seed = -1;
};

/// The order of the backward nodes (graph/backward_order.h). Every order runs a value's
/// consumers before its producer; results are bitwise the same in both.
enum class BackwardOrder {
  reverse_creation,  ///< the last created node first
  memory,            ///< the node that frees the most memory first (memory_order)
};

struct BuildOptions {
  bool backward = false;
  std::vector<int> input_grads;   ///< input value ids whose gradients are requested
  std::vector<int> seed_outputs;  ///< value ids whose gradients are supplied at backward()
  /// Node-name prefixes of segments whose activations are recomputed in the backward pass
  /// instead of kept (a node belongs to prefix P when its name is P or starts with "P.").
  std::vector<std::string> recompute;
  bool in_place = true;           ///< let elementwise ops (forward and backward) write over an input nothing reads later
  bool declared_reads = true;     ///< false: every backward keeps all its op's inputs and outputs alive
  /// Let kernels that can (graph/accumulate_into.h) add a later gradient contribution into the
  /// gradient; false: every later contribution goes to a temporary and an accumulate step.
  bool accumulate_into = true;
  BackwardOrder backward_order = BackwardOrder::reverse_creation;
  /// Recompute cheap values instead of keeping them (graph/cheap_recompute.h).
  bool recompute_cheap = false;
};

/// An elementwise forward that writes over its input (or a concat whose input `input` is
/// computed in its place in the output; or, in Program::grad_in_place, a backward writing input
/// `input`'s gradient over its output gradient).
struct InPlace {
  int node = -1;
  int input = 0;
  int64_t floats = 0;  ///< the buffer it did not need
};

struct Program {
  std::vector<Buffer> buffers;
  std::vector<Step> steps;
  int forward_steps = 0;       ///< steps[0, forward_steps) are the forward pass
  std::vector<int> value_buf;  ///< per value id: its buffer, -1 when not computed
  std::vector<int> grad_buf;   ///< per value id: its gradient buffer, -1 when none
  std::vector<int> seed_values;  ///< value ids of seed_outputs, in the order seeds are supplied
  std::vector<int> dead_parameters;  ///< trainable parameters that get no gradient (loss does not reach them)
  std::vector<InPlace> in_place;     ///< forwards the planner runs in place
  std::vector<InPlace> grad_in_place;  ///< backwards writing input `input`'s gradient over their output gradient
  std::vector<int> recomputed_nodes; ///< nodes whose forward runs again in the backward pass
  std::vector<int> keep;             ///< buffers that live to the end (outputs, loss, parameter/input gradients)
  BackwardOrder backward_order = BackwardOrder::reverse_creation;  ///< the order its backward steps run in
  bool recompute_cheap = false;  ///< planned with cheap recomputation (graph/cheap_recompute.h)
};

/// Appends a buffer to `p` and returns its index (`leaf`: the leaf a persistent buffer stores).
int add_buffer(Program& p, int64_t floats, Place place, std::string what, int leaf = -1);

/// Appends a buffer the planner places in the arena.
inline int add_arena(Program& p, int64_t floats, std::string what) {
  return add_buffer(p, floats, Place::arena, std::move(what));
}

/// Lowers `g` to a program: prunes nodes no output, loss or seed needs; derives the backward
/// pass (only nodes on a path from a trainable parameter or requested input to a seed); sets
/// liveness. Throws naming the offending value.
Program build_program(const Graph& g, const BuildOptions& opt);

/// Adds the backward steps to `p` (called by build_program).
void add_backward(const Graph& g, const BuildOptions& opt, const std::vector<bool>& node_needed, Program& p);

/// Adds the forward steps that recompute the segments (the nodes named under each of
/// `prefixes`, and each set of `node_sets`) before the backward steps that read their values,
/// and points those reads at the recomputed copies, so the forward pass's copies die with
/// their last forward reader (called by build_program).
void add_recompute(const Graph& g, const std::vector<std::string>& prefixes, const std::vector<std::vector<int>>& node_sets,
                   Program& p);

/// Sets each buffer's [first, last] from the steps; buffers in `keep` live until the end.
void compute_liveness(Program& p, const std::vector<int>& keep);

/// Lets elementwise forwards (deepsc::forward_in_place_ok) write over their input where the
/// input's last use is that step and it is neither fed nor kept; updates liveness (called by
/// build_program after compute_liveness).
void plan_in_place(const Graph& g, Program& p);

/// Lets elementwise backwards (deepsc::backward_in_place) write an input's gradient over their
/// output gradient where nothing reads that afterwards, and passes add's gradient through to
/// its operands without a copy; updates liveness (called by build_program after plan_in_place).
void plan_grad_in_place(const Graph& g, Program& p);

/// Lets a concat's inputs be computed directly into their place in its output (one row: the
/// axis's leading dimensions are all 1), where nothing writes them after the concat and their
/// place is arena-aligned: the inputs then take no memory of their own. The inputs keep their
/// buffers, as `alias_offset` views of the output (called by build_program after plan_in_place).
void plan_concat_in_place(const Graph& g, Program& p);

}  // namespace deepsc::graph
