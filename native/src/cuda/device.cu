// Device discovery. The dispatcher is in dispatch.cu, driven by ops_cuda.def.
#include <cuda_runtime.h>

#include "cuda/check.cuh"
#include "cuda/kernels.h"

namespace deepsc::cuda {

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return n;
}

std::vector<std::string> device_names() {
  std::vector<std::string> names;
  for (int i = 0; i < device_count(); ++i) {
    cudaDeviceProp p{};
    DEEPSC_CUDA_CHECK(cudaGetDeviceProperties(&p, i));
    names.push_back(std::string(p.name) + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) + ", " +
                    std::to_string(p.totalGlobalMem >> 20) + " MiB)");
  }
  return names;
}

}  // namespace deepsc::cuda
