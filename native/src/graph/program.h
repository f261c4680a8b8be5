#pragma once
// A compiled graph as a straight-line program: buffers (arena or persistent) and steps
// (forward kernels, then backward kernels with gradient accumulation). Liveness is each arena
// buffer's [first, last] step; the planner turns it into arena offsets.
#include <climits>
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
  std::vector<int> zero;                         ///< buffers zero-filled before the kernel
  int workspace = -1;
  int dst = -1, src = -1;
  int seed = -1;
};

struct BuildOptions {
  bool backward = false;
  std::vector<int> input_grads;   ///< input value ids whose gradients are requested
  std::vector<int> seed_outputs;  ///< value ids whose gradients are supplied at backward()
};

struct Program {
  std::vector<Buffer> buffers;
  std::vector<Step> steps;
  int forward_steps = 0;       ///< steps[0, forward_steps) are the forward pass
  std::vector<int> value_buf;  ///< per value id: its buffer, -1 when not computed
  std::vector<int> grad_buf;   ///< per value id: its gradient buffer, -1 when none
  std::vector<int> seed_values;  ///< value ids of seed_outputs, in the order seeds are supplied
  std::vector<int> dead_parameters;  ///< trainable parameters that get no gradient (loss does not reach them)
};

/// Lowers `g` to a program: prunes nodes no output, loss or seed needs; derives the backward
/// pass (only nodes on a path from a trainable parameter or requested input to a seed); sets
/// liveness. Throws naming the offending value.
Program build_program(const Graph& g, const BuildOptions& opt);

/// Adds the backward steps to `p` (called by build_program).
void add_backward(const Graph& g, const BuildOptions& opt, const std::vector<bool>& node_needed, Program& p);

/// Sets each buffer's [first, last] from the steps; buffers in `keep` live until the end.
void compute_liveness(Program& p, const std::vector<int>& keep);

}  // namespace deepsc::graph
