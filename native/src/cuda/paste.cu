// paste on the GPU: the CPU twin is src/cpu/paste.cpp. Pure data movement (exact), one thread
// per written element: y is the patch inside the region and base outside; the base's gradient
// is the output gradient with the region zeroed, the patch's the output gradient's region.
#include "cuda/elementwise.cuh"
#include "cuda/op_api.h"
#include "cuda/region.cuh"
#include "cuda/vector_ops.h"

namespace deepsc::cuda {

namespace {

__global__ void paste_fwd(region::Region g, const float* __restrict__ base, const float* __restrict__ patch,
                          float* __restrict__ y, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) {
    const int64_t j = region::region_index(g, i);
    y[i] = j >= 0 ? patch[j] : base[i];
  }
}

__global__ void paste_bwd_base(region::Region g, const float* __restrict__ gy, float* __restrict__ dbase, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) dbase[i] = region::region_index(g, i) >= 0 ? 0.f : gy[i];
}

__global__ void paste_bwd_patch(region::Region g, const float* __restrict__ gy, float* __restrict__ dpatch, int64_t n) {
  DEEPSC_GRID_STRIDE(j, n) dpatch[j] = gy[region::volume_index(g, j)];
}

}  // namespace

void paste_forward(const PasteParams& p, const OpArgs& a) {
  const int64_t n = a.out[0].numel();
  if (n == 0) return;
  paste_fwd<<<blocks_for(n), kThreads>>>(region::make(a.in[0].shape, a.in[1].shape, p.offset), a.in[0].data,
                                         a.in[1].data, a.out[0].data, n);
  check_launch("paste");
}

void paste_backward(const PasteParams& p, const OpGradArgs& a) {
  const region::Region g = region::make(a.in[0].shape, a.in[1].shape, p.offset);
  const float* gy = a.grad_out[0].data;
  const TensorView &dbase = a.grad_in[0], &dpatch = a.grad_in[1];
  if (dbase.present() && dbase.numel() > 0) {
    paste_bwd_base<<<blocks_for(dbase.numel()), kThreads>>>(g, gy, dbase.data, dbase.numel());
    check_launch("paste (backward, base)");
  }
  if (dpatch.present() && dpatch.numel() > 0) {
    paste_bwd_patch<<<blocks_for(dpatch.numel()), kThreads>>>(g, gy, dpatch.data, dpatch.numel());
    check_launch("paste (backward, patch)");
  }
}

}  // namespace deepsc::cuda
