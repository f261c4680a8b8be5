// reshape on the GPU: the CPU twin is src/cpu/reshape.cpp. Tensors are contiguous, so a
// reshape is a device-to-device copy of the same elements in the same order (exact), queued
// on the default stream like the kernels. When the executor aliases the two buffers there is
// nothing to copy.
#include "cuda/check.cuh"
#include "cuda/op_api.h"

namespace deepsc::cuda {

namespace {

void copy(float* dst, const float* src, int64_t n) {
  if (n == 0 || dst == src) return;
  DEEPSC_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<size_t>(n) * sizeof(float), cudaMemcpyDeviceToDevice, 0));
}

}  // namespace

void reshape_forward(const ReshapeParams&, const OpArgs& a) { copy(a.out[0].data, a.in[0].data, a.in[0].numel()); }

void reshape_backward(const ReshapeParams&, const OpGradArgs& a) {
  if (a.grad_in[0].present()) copy(a.grad_in[0].data, a.grad_out[0].data, a.grad_in[0].numel());
}

}  // namespace deepsc::cuda
