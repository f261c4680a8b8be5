#pragma once
// Backend-neutral memory operations for the executor and the optimizer: one call for the CPU
// and the CUDA backend, so graph code never branches on the backend for plain vector work.
// On Backend::cpu every pointer is host memory; on Backend::cuda `dst`/`src` are device
// pointers and `host_*` are host pointers. CUDA calls are queued on the default stream;
// copies are blocking (they also wait for the kernels queued before them). Errors (a build
// without CUDA, a failed launch) throw deepsc::Error naming the operation.
#include <cstdint>
#include <string>

#include "deepsc/op.h"

namespace deepsc::graph {

/// dst[0, n) = value.
void fill(Backend b, float* dst, int64_t n, float value);
/// dst[i] += src[i] for i in [0, n) (elementwise, so the result is the same on both backends).
void add_into(Backend b, float* dst, const float* src, int64_t n);
/// dst[i] = src[i] / k for i in [0, n) (dst may be src).
void divide_into(Backend b, float* dst, const float* src, int64_t n, float k);
/// dst[i] *= c for i in [0, n).
void scale_into(Backend b, float* dst, int64_t n, float c);
/// Copies n floats from host memory into `dst` (the backend's memory).
void copy_in(Backend b, float* dst, const float* host_src, int64_t n);
/// Copies n floats from `src` (the backend's memory) into host memory.
void copy_out(Backend b, float* host_dst, const float* src, int64_t n);

/// Waits for the queued work and turns a launch or execution failure into an Error naming
/// `what` (no-op on the CPU).
void sync(Backend b, const std::string& what);
/// Reports a failed kernel launch without waiting (no-op on the CPU); `what` names the step.
void check_launch(Backend b, const std::string& what);
/// The last failed launch's message (clearing it), or nullptr when none (always on the CPU).
/// Allocates nothing, for per-step checks.
const char* launch_error(Backend b);

/// Device allocation for TrackedBuffer: at least one float (so a present empty tensor is not
/// null), plain cudaMalloc (never managed memory). Throws Error naming `what`.
float* device_alloc(int64_t floats, const std::string& what);
void device_free(float* p) noexcept;

}  // namespace deepsc::graph
