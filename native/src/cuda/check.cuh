#pragma once
// Every CUDA runtime call goes through DEEPSC_CUDA_CHECK, which throws a deepsc::Error with
// the failing call, file and line (never aborts).
#include <cuda_runtime.h>

#include <string>

#include "deepsc/error.h"

#define DEEPSC_CUDA_CHECK(call)                                                                  \
  do {                                                                                           \
    cudaError_t deepsc_err_ = (call);                                                            \
    if (deepsc_err_ != cudaSuccess)                                                              \
      throw ::deepsc::Error(::deepsc::ErrorKind::Runtime,                                        \
                            std::string("cuda: ") + #call + " failed: " +                        \
                                cudaGetErrorString(deepsc_err_) + " (" + __FILE__ + ":" +        \
                                std::to_string(__LINE__) + ")");                                 \
  } while (0)
