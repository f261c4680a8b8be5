#include "cpu/subvolume.h"

namespace deepsc::cpu {

void crop_forward(const CropParams& p, const OpArgs& a) {
  copy_region(a.in[0].data, a.in[0].shape, a.out[0].data, a.out[0].shape, p.offset, RegionCopy::volume_to_region);
}

void crop_backward(const CropParams& p, const OpGradArgs& a) {
  const TensorView& dx = a.grad_in[0];
  if (!dx.present()) return;
  parallel_zero(dx.data, dx.numel());
  copy_region(dx.data, dx.shape, a.grad_out[0].data, a.grad_out[0].shape, p.offset, RegionCopy::region_to_volume);
}

}  // namespace deepsc::cpu
