#pragma once
// conv3d's device scratch (split-K partial sums, bias-gradient partials): one grow-only buffer
// per device, allocated on first use and grown (never shrunk) when a call needs more, kept
// for the life of the process (never freed: freeing it at exit could run after the CUDA
// runtime has shut down). So a training loop allocates nothing per call after its first step.
// The kernels that use it are queued on the default stream, which runs them in order; a
// lease holds a mutex while they are queued so that two host threads do not interleave their
// partial and final kernels, and growing frees the old buffer only after the device is idle.
#include <cstdint>
#include <mutex>

namespace deepsc::cuda::conv3d {

class ScratchLease {
 public:
  /// Locks the current device's scratch and makes it at least `bytes` long.
  explicit ScratchLease(int64_t bytes);
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  void* get() const { return ptr_; }

 private:
  std::unique_lock<std::mutex> lock_;
  void* ptr_ = nullptr;
};

}  // namespace deepsc::cuda::conv3d
