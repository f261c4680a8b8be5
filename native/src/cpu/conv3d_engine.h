#pragma once
// The direct 3D convolution engine shared by conv3d and conv_transpose3d (whose passes are
// conv3d's passes with the roles of input and output swapped). See the "Convolution" section
// of docs/architecture.md for the algorithm, the layouts and the workspace bound.
#include <array>
#include <cstdint>

#include "deepsc/op.h"
#include "deepsc/ops/conv_geometry.h"

namespace deepsc::cpu::conv {

/// For conv_transpose3d, the convolution it transposes (its input is this conv's output).
using Geometry = ::deepsc::ConvGeometry;

/// Scratch floats each pass needs (the caller allocates; see workspace_floats()).
int64_t forward_workspace(const Geometry& g);
int64_t backward_data_workspace(const Geometry& g);
int64_t backward_weight_workspace(const Geometry& g);

/// y = conv(x, w) + b. `b` may be null. `accumulate`: y += conv(x, w) + b instead (each element
/// computed in full, then added once: the bits of adding a separately computed result).
void forward(const Geometry& g, const float* x, const float* w, const float* b, float* y, Workspace ws,
             bool accumulate = false);
/// dx = dL/dx given dy = dL/dy (overwrites dx), plus b[c] if b is not null (so the same
/// routine is conv_transpose3d's forward). `accumulate`: dx += dL/dx instead (b must be null).
void backward_data(const Geometry& g, const float* dy, const float* w, const float* b, float* dx, Workspace ws,
                   bool accumulate = false);
/// dw = dL/dw (overwrites dw).
void backward_weight(const Geometry& g, const float* x, const float* dy, float* dw, Workspace ws);
/// db[k] = sum over n and space of t[n, k, ...] (overwrites db), t of shape [N, K, spatial].
void channel_sums(int64_t N, int64_t K, int64_t spatial, const float* t, float* db);

}  // namespace deepsc::cpu::conv
