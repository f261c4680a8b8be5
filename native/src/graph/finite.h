#pragma once
// The finite check of a model's persistent values: which parameters and states hold NaN or an
// infinity. One pass per value on the executor's backend (the gradient norm's reduction: a sum
// of squares in double, which is finite exactly when every element is finite, since a float's
// square cannot overflow a double), so a trainer can refuse to save or continue from a
// diverged state without copying the weights to the host.
#include <vector>

#include "graph/executor.h"

namespace deepsc::graph {

/// Value ids of the parameters and states (saved values) holding a NaN or an infinity, in id
/// order; empty when every one is finite. The executor must be idle.
std::vector<int> non_finite_leaves(const Executor& ex);

}  // namespace deepsc::graph
