// torch.optim.Adam / AdamW on the GPU: the CPU twin is graph/adam.cpp, same scalars, same
// expression per element with explicitly rounded float operations (no FMA contraction; IEEE
// sqrt and division), so the update matches the CPU bit for bit for the same inputs.
#include <cuda_runtime.h>

#include "cuda/elementwise.cuh"
#include "cuda/optim.h"
#include "cuda/vector_ops.h"

namespace deepsc::cuda {

namespace {

__global__ void adam_kernel(graph::AdamScalars k, float* __restrict__ p, const float* __restrict__ g,
                            float* __restrict__ m, float* __restrict__ v, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) {
    float gr = g[i];
    float pi = p[i];
    if (k.decoupled) pi = __fmul_rn(pi, k.decay);
    else if (k.wd != 0.f) gr = __fadd_rn(gr, __fmul_rn(k.wd, pi));
    // CPU: m = m b1 + g (1 - b1); v = v b2 + (1 - b2) g g (left to right).
    const float mi = __fadd_rn(__fmul_rn(m[i], k.b1), __fmul_rn(gr, k.one_b1));
    const float vi = __fadd_rn(__fmul_rn(v[i], k.b2), __fmul_rn(__fmul_rn(k.one_b2, gr), gr));
    m[i] = mi;
    v[i] = vi;
    const float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), k.bc2_sqrt), k.eps);
    p[i] = __fsub_rn(pi, __fmul_rn(k.step_size, __fdiv_rn(mi, denom)));
  }
}

}  // namespace

void adam_update(const graph::AdamScalars& k, float* param, const float* grad, float* m, float* v, int64_t n) {
  if (n <= 0) return;
  adam_kernel<<<blocks_for(n), kThreads>>>(k, param, grad, m, v, n);
  check_launch(k.decoupled ? "adamw" : "adam");
}

}  // namespace deepsc::cuda
