// op_scratch.cuh's grow-only per-device buffer and its copies.
#include <cuda_runtime.h>

#include <string>

#include "cuda/check.cuh"
#include "cuda/op_scratch.cuh"
#include "deepsc/error.h"

namespace deepsc::cuda {

namespace {

constexpr int kMaxDevices = 64;

struct Slot {
  std::mutex mu;
  void* ptr = nullptr;
  int64_t bytes = 0;
};

Slot& slot(int device) {
  static Slot slots[kMaxDevices];  // never destroyed with the buffers in them: see the header
  return slots[device];
}

}  // namespace

OpScratch::OpScratch(const ScratchPlan& plan, const char* op) {
  int device = 0;
  DEEPSC_CUDA_CHECK(cudaGetDevice(&device));
  if (device < 0 || device >= kMaxDevices)
    fail(ErrorKind::Runtime, op, "CUDA device " + std::to_string(device) + " is past the 64 this build tracks");
  Slot& s = slot(device);
  lock_ = std::unique_lock<std::mutex>(s.mu);
  const int64_t bytes = plan.bytes < 256 ? 256 : plan.bytes;
  if (bytes > s.bytes) {
    if (s.ptr) {
      DEEPSC_CUDA_CHECK(cudaDeviceSynchronize());  // earlier kernels may still use the old buffer
      DEEPSC_CUDA_CHECK(cudaFree(s.ptr));
      s.ptr = nullptr, s.bytes = 0;
    }
    const int64_t want = bytes + bytes / 4;  // headroom: fewer regrowths
    const cudaError_t e = cudaMalloc(&s.ptr, static_cast<size_t>(want));
    if (e != cudaSuccess) {
      cudaGetLastError();
      s.ptr = nullptr;
      fail(ErrorKind::Runtime, op,
           "cuda: out of device memory allocating " + std::to_string(want) + " bytes of scratch (" +
               cudaGetErrorString(e) + ")");
    }
    s.bytes = want;
  }
  ptr_ = s.ptr;
}

void scratch_upload(void* dst, const void* src, size_t bytes, const char* op) {
  if (bytes == 0) return;
  const cudaError_t e = cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice);
  if (e != cudaSuccess) {
    cudaGetLastError();
    fail(ErrorKind::Runtime, op, std::string("cuda: copy to the device failed: ") + cudaGetErrorString(e));
  }
}

void scratch_download(void* dst, const void* src, size_t bytes, const char* op) {
  if (bytes == 0) return;
  const cudaError_t e = cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost);
  if (e != cudaSuccess) {
    cudaGetLastError();
    fail(ErrorKind::Runtime, op, std::string("cuda: copy to the host failed: ") + cudaGetErrorString(e));
  }
}

void check_op_launch(const char* op, const char* what) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess)
    fail(ErrorKind::Runtime, op, std::string("cuda: launch of ") + what + " failed: " + cudaGetErrorString(e));
}

}  // namespace deepsc::cuda
