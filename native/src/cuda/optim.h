#pragma once
// The optimizers' device kernels (host-side declarations only, no CUDA headers): the update
// rules of graph/sgd.cpp and graph/adam.cpp element for element with the same scalars
// (graph/update_rules.h) and explicitly rounded float operations (no contraction into FMA),
// so an update on the GPU gives the bits the CPU gives for the same inputs; and the squared
// gradient norm as a fixed-order double reduction (no atomics: bitwise repeatable). All
// pointers are device pointers; kernels are queued on the default stream, launches checked.
#include <cstdint>

#include "graph/update_rules.h"

namespace deepsc::cuda {

/// One SGD update of n elements; `buf` is the momentum buffer (unused without momentum).
void sgd_update(const graph::SgdScalars& k, float* param, const float* grad, float* buf, int64_t n);
/// One Adam/AdamW update of n elements; m = exp_avg, v = exp_avg_sq.
void adam_update(const graph::AdamScalars& k, float* param, const float* grad, float* m, float* v, int64_t n);

/// Floats of device scratch that `count` sums of squares need.
int64_t sum_of_squares_scratch_floats(int count);
/// Queues sum(x[i]^2) over [0, n), in double, into result `slot` (< count) of `scratch`: a
/// fixed grid of partial sums, each combined by a fixed tree, then the partials in index order.
void sum_of_squares(const float* x, int64_t n, float* scratch, int count, int slot);
/// Waits and copies results [0, count) of `scratch` to the host.
void read_sums_of_squares(const float* scratch, int count, double* host);

}  // namespace deepsc::cuda
