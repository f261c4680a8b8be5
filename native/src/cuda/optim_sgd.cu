// torch.optim.SGD on the GPU: the CPU twin is graph/sgd.cpp, same scalars, same expression per
// element with explicitly rounded float operations (__fmul_rn / __fadd_rn never contract into
// an FMA), so the update matches the CPU bit for bit for the same inputs.
#include <cuda_runtime.h>

#include "cuda/elementwise.cuh"
#include "cuda/optim.h"
#include "cuda/vector_ops.h"

namespace deepsc::cuda {

namespace {

__global__ void sgd_kernel(graph::SgdScalars k, float* __restrict__ p, const float* __restrict__ g,
                           float* __restrict__ buf, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) {
    float d = g[i];
    if (k.wd != 0.f) d = __fadd_rn(d, __fmul_rn(k.wd, p[i]));
    if (k.use_mom) {
      const float b = k.first ? d : __fadd_rn(__fmul_rn(k.mom, buf[i]), __fmul_rn(k.damp, d));
      buf[i] = b;
      d = k.nesterov ? __fadd_rn(d, __fmul_rn(k.mom, b)) : b;
    }
    p[i] = __fsub_rn(p[i], __fmul_rn(k.lr, d));
  }
}

}  // namespace

void sgd_update(const graph::SgdScalars& k, float* param, const float* grad, float* buf, int64_t n) {
  if (n <= 0) return;
  sgd_kernel<<<blocks_for(n), kThreads>>>(k, param, grad, buf, n);
  check_launch("sgd");
}

}  // namespace deepsc::cuda
