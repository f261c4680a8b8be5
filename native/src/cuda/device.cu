// Device discovery and the CUDA dispatcher. Op kernels are added one .cu/.cuh pair per op;
// until an op has one, supports() says no and the executor keeps it on the CPU.
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

bool supports(OpKind) { return false; }

void run_forward(const OpInstance& op, const OpArgs&) {
  fail(ErrorKind::Runtime, op_name(op.kind), "no CUDA kernel for this op yet");
}

void run_backward(const OpInstance& op, const OpGradArgs&) {
  fail(ErrorKind::Runtime, op_name(op.kind), "no CUDA kernel for this op yet");
}

}  // namespace deepsc::cuda
