#pragma once
// Plain vector work on device memory for the graph executor and the optimizers (host-side
// declarations only, no CUDA headers; graph/device_ops.cpp is the caller). All pointers are
// device pointers; kernels are queued on the default stream and each launch is checked.
#include <cstdint>
#include <string>

#include "cuda/memory.h"

namespace deepsc::cuda {

/// dst[0, n) = value.
void fill(float* dst, int64_t n, float value);
/// dst[i] += src[i].
void add_into(float* dst, const float* src, int64_t n);
/// dst[i] = src[i] / k (dst may be src).
void divide_into(float* dst, const float* src, int64_t n, float k);
/// dst[i] *= c.
void scale_into(float* dst, int64_t n, float c);
/// Throws Error naming `what` when the last launch failed (does not wait).
void check_launch(const std::string& what);
/// The last launch failure's message (and clears it), or nullptr; allocates nothing.
const char* launch_error();

/// cudaMalloc of max(floats, 1) floats (never managed memory); Error naming `what` when there
/// is no device or no memory.
float* alloc_device(int64_t floats, const std::string& what);
/// cudaFree without a check (called from destructors).
void free_device(float* p) noexcept;

}  // namespace deepsc::cuda
