/* The CUDA kernels of my_swish (swish_cuda.cu), or NULL in a CPU-only build. */
#ifndef MY_SWISH_H
#define MY_SWISH_H
#include "deepsc/plugin.h"

#ifdef MY_SWISH_CUDA
#ifdef __cplusplus
extern "C" {
#endif
int32_t my_swish_cuda_forward(const deepsc_kernel_args* a, deepsc_error* err);
int32_t my_swish_cuda_backward(const deepsc_kernel_args* a, deepsc_error* err);
#ifdef __cplusplus
}
#endif
#define MY_SWISH_CUDA_FORWARD my_swish_cuda_forward
#define MY_SWISH_CUDA_BACKWARD my_swish_cuda_backward
#else
#define MY_SWISH_CUDA_FORWARD NULL
#define MY_SWISH_CUDA_BACKWARD NULL
#endif

#endif
