#include "cpu/subvolume.h"

namespace deepsc::cpu {

void paste_forward(const PasteParams& p, const OpArgs& a) {
  const TensorView &base = a.in[0], &patch = a.in[1], &y = a.out[0];
  parallel_copy(y.data, base.data, base.numel());
  copy_region(y.data, y.shape, patch.data, patch.shape, p.offset, RegionCopy::region_to_volume);
}

void paste_backward(const PasteParams& p, const OpGradArgs& a) {
  const TensorView &g = a.grad_out[0], &dbase = a.grad_in[0], &dpatch = a.grad_in[1];
  const Shape& patch = a.in[1].shape;
  if (dbase.present()) {
    parallel_copy(dbase.data, g.data, g.numel());
    zero_region(dbase.data, dbase.shape, patch, p.offset);
  }
  if (dpatch.present()) copy_region(g.data, g.shape, dpatch.data, patch, p.offset, RegionCopy::volume_to_region);
}

}  // namespace deepsc::cpu
