// CUDA-event timing: measures the device time of queued work, not the host's launch overhead
// or any host <-> device copy.
#include <cuda_runtime.h>

#include "cuda/check.cuh"
#include "cuda/timing.h"

namespace deepsc::cuda {

namespace {

struct Event {
  cudaEvent_t e = nullptr;
  Event() { DEEPSC_CUDA_CHECK(cudaEventCreate(&e)); }
  ~Event() {
    if (e) cudaEventDestroy(e);
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
};

}  // namespace

double time_ms(const std::function<void()>& fn) {
  Event start, stop;
  DEEPSC_CUDA_CHECK(cudaEventRecord(start.e));
  fn();
  DEEPSC_CUDA_CHECK(cudaGetLastError());
  DEEPSC_CUDA_CHECK(cudaEventRecord(stop.e));
  DEEPSC_CUDA_CHECK(cudaEventSynchronize(stop.e));
  float ms = 0;
  DEEPSC_CUDA_CHECK(cudaEventElapsedTime(&ms, start.e, stop.e));
  return ms;
}

}  // namespace deepsc::cuda
