#pragma once
// The float scalars of one optimizer update, computed once on the host (sgd.cpp, adam.cpp) and
// used unchanged by the CPU loops and the CUDA kernels (cuda/optim.h), so both backends apply
// the same float expression to each element. Plain structs, no dependencies: nvcc includes it.
#include <cstdint>

namespace deepsc::graph {

/// torch.optim.SGD: d = g + wd p; buf = first ? d : mom buf + damp d; d = nesterov ? d + mom buf : buf;
/// p -= lr d.
struct SgdScalars {
  float lr = 0, wd = 0, mom = 0, damp = 1;
  bool first = true, nesterov = false, use_mom = false;
};

/// torch.optim.Adam / AdamW at step t (bias corrections folded into step_size and bc2_sqrt).
struct AdamScalars {
  float step_size = 0, bc2_sqrt = 1, b1 = 0, b2 = 0, one_b1 = 1, one_b2 = 1, eps = 0, wd = 0, decay = 1;
  bool decoupled = false;
};

}  // namespace deepsc::graph
