// my_swish on CUDA: the same formulas as swish.c, one thread per element (grid-stride), queued
// on the stream the engine gives. Errors come back as codes, never as exceptions.
#include <cuda_runtime.h>

#include "swish.h"

namespace {

__global__ void forward_kernel(const float* x, float* y, int64_t n, float beta) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = x[i] / (1.f + expf(-beta * x[i]));
}

__global__ void backward_kernel(const float* x, const float* g, float* dx, int64_t n, float beta) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float s = 1.f / (1.f + expf(-beta * x[i]));
    dx[i] = g[i] * (s + beta * x[i] * s * (1.f - s));
  }
}

unsigned blocks(int64_t n) { return static_cast<unsigned>(n / 256 + 1 < 4096 ? n / 256 + 1 : 4096); }

int32_t launched(deepsc_error* err) {
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? DEEPSC_OK : deepsc_fail(err, DEEPSC_ERR_RUNTIME, "kernel launch: %s", cudaGetErrorString(e));
}

}  // namespace

extern "C" int32_t my_swish_cuda_forward(const deepsc_kernel_args* a, deepsc_error* err) {
  const int64_t n = a->in[0].numel;
  if (n == 0) return DEEPSC_OK;
  forward_kernel<<<blocks(n), 256, 0, static_cast<cudaStream_t>(a->stream)>>>(a->in[0].data, a->out[0].data, n,
                                                                              static_cast<float>(a->attrs[0].f));
  return launched(err);
}

extern "C" int32_t my_swish_cuda_backward(const deepsc_kernel_args* a, deepsc_error* err) {
  const int64_t n = a->in[0].numel;
  if (n == 0 || !a->grad_in[0].data) return DEEPSC_OK;
  backward_kernel<<<blocks(n), 256, 0, static_cast<cudaStream_t>(a->stream)>>>(
      a->in[0].data, a->grad_out[0].data, a->grad_in[0].data, n, static_cast<float>(a->attrs[0].f));
  return launched(err);
}
