#pragma once
// The order in which the backward pass runs its nodes. Any order that runs every consumer of a
// value before the value's producer computes the same gradients; they differ in how long the
// forward values the backward reads stay alive. Reverse creation order (the reference) keeps
// the first-created branch's activations until the end: in DeepSC-COVID the patch stream's
// U-Net waits through the classifier's backward. memory_order picks, among the nodes whose
// output gradients are complete, the one whose backward frees the most memory, so a branch
// that can free its activations early does so. The executor plans both orders and keeps the
// smaller arena (graph/executor.cpp).
//
// Bitwise: a gradient with two contributions is a + b in one order and b + a in another, the
// same float (addition is commutative); a gradient with three or more contributions (seed
// included) would be summed in another association, so memory_order keeps those contributions
// in reference order.
#include <vector>

#include "graph/program.h"

namespace deepsc::graph {

/// The op's input spec for input `i` (variadic ops repeat their last one).
const InputSpec& input_spec(const OpSignature& sig, size_t i);

/// Which values get a gradient, and the nodes that run backward in reverse creation order.
struct BackwardNodes {
  std::vector<bool> has_grad;  ///< per value id
  std::vector<int> nodes;      ///< node ids, the last created first
};

/// Derives BackwardNodes (backward.cpp): a value has a gradient when it depends on something
/// that wants one and reaches a seed; a node runs backward when such a value is among its
/// differentiable inputs and among its outputs.
BackwardNodes backward_nodes(const Graph& g, const BuildOptions& opt, const std::vector<bool>& node_needed);

/// `b.nodes` reordered greedily by memory: a node is ready once every backward node that
/// contributes to one of its outputs' gradients has run (and, for gradients with three or more
/// contributions, the contributions before its own in reference order); among the ready nodes
/// it runs the one that leaves the fewest bytes live (it frees the forward values it is the last
/// to read and its output gradients, and allocates its input gradients not yet written); ties
/// go to reference order.
std::vector<int> memory_order(const Graph& g, const BuildOptions& opt, const BackwardNodes& b);

}  // namespace deepsc::graph
