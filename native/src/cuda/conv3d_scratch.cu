// conv3d_scratch.cuh's grow-only per-device buffer.
#include <cuda_runtime.h>

#include <string>

#include "cuda/check.cuh"
#include "cuda/conv3d_scratch.cuh"
#include "deepsc/error.h"

namespace deepsc::cuda::conv3d {

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

ScratchLease::ScratchLease(int64_t bytes) {
  int device = 0;
  DEEPSC_CUDA_CHECK(cudaGetDevice(&device));
  if (device < 0 || device >= kMaxDevices)
    fail(ErrorKind::Runtime, "conv3d", "CUDA device " + std::to_string(device) + " is past the 64 this build tracks");
  Slot& s = slot(device);
  lock_ = std::unique_lock<std::mutex>(s.mu);
  if (bytes > s.bytes) {
    if (s.ptr) {
      DEEPSC_CUDA_CHECK(cudaDeviceSynchronize());  // earlier kernels may still read the old buffer
      DEEPSC_CUDA_CHECK(cudaFree(s.ptr));
      s.ptr = nullptr, s.bytes = 0;
    }
    const int64_t want = bytes + bytes / 4;  // some headroom: fewer regrowths
    const cudaError_t e = cudaMalloc(&s.ptr, static_cast<size_t>(want));
    if (e != cudaSuccess) {
      cudaGetLastError();
      s.ptr = nullptr;
      fail(ErrorKind::Runtime, "conv3d",
           "cuda: out of device memory allocating " + std::to_string(want) + " bytes of scratch (" +
               cudaGetErrorString(e) + ")");
    }
    s.bytes = want;
  }
  ptr_ = s.ptr;
}

}  // namespace deepsc::cuda::conv3d
