// Device allocations and explicit host <-> device copies. Every runtime call goes through
// DEEPSC_CUDA_CHECK; the destructor cannot throw, so it frees without the check.
#include <cuda_runtime.h>

#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/memory.h"

namespace deepsc::cuda {

void require_device(const std::string& what) {
  if (device_count() == 0)
    fail(ErrorKind::Runtime, what,
         "no CUDA device: this build has the CUDA backend but no GPU is visible (no NVIDIA driver, no GPU, or "
         "CUDA_VISIBLE_DEVICES hides it); use the CPU backend");
}

DeviceBuffer::DeviceBuffer(int64_t floats, const std::string& what) {
  if (floats < 0) fail(ErrorKind::Range, what, "negative device allocation of " + std::to_string(floats) + " floats");
  if (floats == 0) return;
  require_device(what);
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, static_cast<size_t>(floats) * sizeof(float));
  if (e != cudaSuccess) {
    cudaGetLastError();
    fail(ErrorKind::Runtime, what,
         "cuda: out of device memory allocating " + std::to_string(static_cast<size_t>(floats) * sizeof(float)) +
             " bytes (" + cudaGetErrorString(e) + ")");
  }
  ptr_ = static_cast<float*>(p);
  floats_ = floats;
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_) cudaFree(ptr_);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    if (ptr_) cudaFree(ptr_);
    ptr_ = o.ptr_, floats_ = o.floats_;
    o.ptr_ = nullptr, o.floats_ = 0;
  }
  return *this;
}

void copy_to_device(float* dst, const float* src, int64_t n) {
  if (n > 0) DEEPSC_CUDA_CHECK(cudaMemcpy(dst, src, static_cast<size_t>(n) * sizeof(float), cudaMemcpyHostToDevice));
}

void copy_to_host(float* dst, const float* src, int64_t n) {
  if (n > 0) DEEPSC_CUDA_CHECK(cudaMemcpy(dst, src, static_cast<size_t>(n) * sizeof(float), cudaMemcpyDeviceToHost));
}

void fill_zero(float* dst, int64_t n) {
  if (n > 0) DEEPSC_CUDA_CHECK(cudaMemset(dst, 0, static_cast<size_t>(n) * sizeof(float)));
}

void synchronize(const std::string& op) {
  const cudaError_t launch = cudaGetLastError();
  if (launch != cudaSuccess)
    fail(ErrorKind::Runtime, op, std::string("cuda: kernel launch failed: ") + cudaGetErrorString(launch));
  DEEPSC_CUDA_CHECK(cudaDeviceSynchronize());
}

}  // namespace deepsc::cuda
