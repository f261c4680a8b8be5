// Elementwise vector kernels for the executor (gradient accumulation, seeds, zeroing) and the
// optimizer's clipping. Each element is written by one thread with the same float expression
// as the CPU loop in graph/device_ops.cpp (explicit _rn intrinsics: no contraction), so both
// backends give the same bits.
#include <cuda_runtime.h>

#include "cuda/check.cuh"
#include "cuda/elementwise.cuh"
#include "cuda/vector_ops.h"

namespace deepsc::cuda {

namespace {

__global__ void fill_kernel(float* __restrict__ dst, int64_t n, float value) {
  DEEPSC_GRID_STRIDE(i, n) dst[i] = value;
}

__global__ void add_into_kernel(float* __restrict__ dst, const float* __restrict__ src, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) dst[i] = __fadd_rn(dst[i], src[i]);
}

// dst may alias src: no __restrict__.
__global__ void divide_into_kernel(float* dst, const float* src, int64_t n, float k) {
  DEEPSC_GRID_STRIDE(i, n) dst[i] = __fdiv_rn(src[i], k);
}

__global__ void scale_into_kernel(float* __restrict__ dst, int64_t n, float c) {
  DEEPSC_GRID_STRIDE(i, n) dst[i] = __fmul_rn(dst[i], c);
}

}  // namespace

const char* launch_error() {
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

void check_launch(const std::string& what) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) fail(ErrorKind::Runtime, what, std::string("cuda: kernel launch failed: ") + cudaGetErrorString(e));
}

void fill(float* dst, int64_t n, float value) {
  if (n <= 0) return;
  fill_kernel<<<blocks_for(n), kThreads>>>(dst, n, value);
  check_launch("fill");
}

void add_into(float* dst, const float* src, int64_t n) {
  if (n <= 0) return;
  add_into_kernel<<<blocks_for(n), kThreads>>>(dst, src, n);
  check_launch("add_into");
}

void divide_into(float* dst, const float* src, int64_t n, float k) {
  if (n <= 0) return;
  divide_into_kernel<<<blocks_for(n), kThreads>>>(dst, src, n, k);
  check_launch("divide_into");
}

void scale_into(float* dst, int64_t n, float c) {
  if (n <= 0) return;
  scale_into_kernel<<<blocks_for(n), kThreads>>>(dst, n, c);
  check_launch("scale_into");
}

float* alloc_device(int64_t floats, const std::string& what) {
  if (floats < 0) fail(ErrorKind::Range, what, "negative device allocation of " + std::to_string(floats) + " floats");
  require_device(what);
  const size_t bytes = static_cast<size_t>(floats < 1 ? 1 : floats) * sizeof(float);
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, bytes);
  if (e != cudaSuccess) {
    cudaGetLastError();
    fail(ErrorKind::Runtime, what,
         "cuda: out of device memory allocating " + std::to_string(bytes) + " bytes (" + cudaGetErrorString(e) + ")");
  }
  return static_cast<float*>(p);
}

void free_device(float* p) noexcept {
  if (p) cudaFree(p);
}

}  // namespace deepsc::cuda
