#pragma once
// NumPy broadcasting for the binary elementwise ops (add, mul), as src/cpu/broadcast.h
// defines it: shapes aligned at the last axis, extents equal or 1, the output contiguous.
// Forward: one thread per output element. Backward of operand X when X is broadcast: one warp
// per element of X sums the gradient over X's broadcast axes (double, fixed lane assignment
// and shuffle tree: deterministic, no atomics). Included by add.cu and mul.cu only.
#include <cstdint>

#include "cuda/elementwise.cuh"
#include "cuda/memory.h"
#include "cuda/reduce.cuh"
#include "deepsc/op.h"
#include "deepsc/shape.h"

namespace deepsc::cuda {

namespace {

constexpr int kMaxRank = 8;  // the registry rejects higher ranks for broadcasting ops

enum class BinOp { add, mul };

/// The output box with each operand's strides in it (0 along a broadcast axis).
struct Box {
  int rank = 0;
  int64_t dims[kMaxRank]{};
  int64_t stride[2][kMaxRank]{};
};

inline void operand_strides(const Shape& s, const Shape& out, int64_t* st) {
  const int r = out.rank();
  int64_t acc = 1;
  for (int i = r - 1; i >= 0; --i) {
    const int j = s.rank() - r + i;
    const int64_t ext = j >= 0 ? s[j] : 1;
    st[i] = ext == 1 ? 0 : acc;
    acc *= ext;
  }
}

inline Box make_box(const Shape& out, const Shape& a, const Shape& b) {
  Box box;
  box.rank = out.rank();
  for (int i = 0; i < box.rank; ++i) box.dims[i] = out[i];
  operand_strides(a, out, box.stride[0]);
  operand_strides(b, out, box.stride[1]);
  return box;
}

__device__ inline float apply(BinOp op, float a, float b) { return op == BinOp::add ? a + b : a * b; }

// The operands' offsets of output element i. (__host__ too: a host emulation checks the index
// math without a GPU.)
__host__ __device__ inline void box_offsets(const Box& box, int64_t i, int64_t* oa, int64_t* ob) {
  int64_t rem = i;
  *oa = 0, *ob = 0;
  for (int d = box.rank - 1; d >= 0; --d) {
    const int64_t c = rem % box.dims[d];
    rem /= box.dims[d];
    *oa += c * box.stride[0][d];
    *ob += c * box.stride[1][d];
  }
}

// Not __restrict__: the executor may write y over a full-size operand (y == a or y == b).
__global__ void binary_fwd(Box box, BinOp op, const float* a, const float* b, float* y, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) {
    int64_t oa, ob;
    box_offsets(box, i, &oa, &ob);
    y[i] = apply(op, a[oa], b[ob]);
  }
}

/// Gradient of operand `which` (0 = a, 1 = b): dX[j] = sum over the output positions that
/// read X[j] of g (add) or g * other (mul). Axes split into kept (X has the extent) and
/// reduced (X has 1, the output more).
struct GradPlan {
  int nk = 0, nr = 0;
  int64_t kdim[kMaxRank]{}, kout[kMaxRank]{}, kother[kMaxRank]{};
  int64_t rdim[kMaxRank]{}, rout[kMaxRank]{}, rother[kMaxRank]{};
  int64_t reduce = 1;  ///< output positions per element of X
};

inline GradPlan make_grad_plan(const Box& box, int which) {
  GradPlan p;
  int64_t out_stride[kMaxRank];
  int64_t acc = 1;
  for (int i = box.rank - 1; i >= 0; --i) out_stride[i] = acc, acc *= box.dims[i];
  for (int i = 0; i < box.rank; ++i) {
    if (box.dims[i] == 1) continue;
    const bool kept = box.stride[which][i] != 0;
    const int k = kept ? p.nk++ : p.nr++;
    (kept ? p.kdim : p.rdim)[k] = box.dims[i];
    (kept ? p.kout : p.rout)[k] = out_stride[i];
    (kept ? p.kother : p.rother)[k] = box.stride[1 - which][i];
    if (!kept) p.reduce *= box.dims[i];
  }
  return p;
}

// Offsets in the output and in the other operand of X's element j at reduction index 0.
__host__ __device__ inline void grad_base(const GradPlan& p, int64_t j, int64_t* out, int64_t* other) {
  int64_t rem = j;
  *out = 0, *other = 0;
  for (int d = p.nk - 1; d >= 0; --d) {
    const int64_t c = rem % p.kdim[d];
    rem /= p.kdim[d];
    *out += c * p.kout[d];
    *other += c * p.kother[d];
  }
}

// ... and at reduction index r (row-major over the reduced axes).
__host__ __device__ inline void grad_term(const GradPlan& p, int64_t r, int64_t base_out, int64_t base_other,
                                          int64_t* out, int64_t* other) {
  *out = base_out, *other = base_other;
  for (int d = p.nr - 1; d >= 0; --d) {
    const int64_t c = r % p.rdim[d];
    r /= p.rdim[d];
    *out += c * p.rout[d];
    *other += c * p.rother[d];
  }
}

__global__ void binary_bwd_same(const float* __restrict__ g, float* __restrict__ dx, int64_t n) {
  DEEPSC_GRID_STRIDE(i, n) dx[i] = g[i];
}

// One warp per element of X (blockDim.x = 256: 8 elements per block).
__global__ void binary_bwd_reduce(GradPlan p, const float* __restrict__ g, const float* __restrict__ other,
                                  float* __restrict__ dx, int64_t nx) {
  const int64_t j = static_cast<int64_t>(blockIdx.x) * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (j >= nx) return;  // whole warps leave together: the shuffles below stay full-warp
  const int lane = threadIdx.x & 31;
  int64_t base_out, base_other;
  grad_base(p, j, &base_out, &base_other);
  double acc = 0;
  for (int64_t r = lane; r < p.reduce; r += 32) {
    int64_t oo, ot;
    grad_term(p, r, base_out, base_other, &oo, &ot);
    acc += other ? static_cast<double>(g[oo]) * other[ot] : static_cast<double>(g[oo]);
  }
  acc = warp_sum(acc);
  if (lane == 0) dx[j] = static_cast<float>(acc);
}

// When X is not broadcast (it has the output's elements in the output's order), the gradient
// of mul is dx = g * other with other broadcast: a forward over (g, other).
inline Box grad_box(const Box& box, int which) {
  Box gb = box;
  int64_t acc = 1;
  for (int i = gb.rank - 1; i >= 0; --i) {
    gb.stride[0][i] = gb.dims[i] == 1 ? 0 : acc;
    gb.stride[1][i] = box.stride[1 - which][i];
    acc *= gb.dims[i];
  }
  return gb;
}

inline void binary_forward(BinOp op, const OpArgs& a) {
  const int64_t n = a.out[0].numel();
  if (n == 0) return;
  const Box box = make_box(a.out[0].shape, a.in[0].shape, a.in[1].shape);
  binary_fwd<<<blocks_for(n), kThreads>>>(box, op, a.in[0].data, a.in[1].data, a.out[0].data, n);
}

inline void binary_backward(BinOp op, const OpGradArgs& a) {
  const int64_t n = a.out[0].numel();
  const Box box = make_box(a.out[0].shape, a.in[0].shape, a.in[1].shape);
  for (int which = 0; which < 2; ++which) {
    const TensorView& dx = a.grad_in[which];
    const int64_t nx = a.in[which].numel();
    if (!dx.present() || nx == 0) continue;
    // For mul the gradient reads the other operand (broadcast the same way as in forward).
    const float* other = op == BinOp::mul ? a.in[1 - which].data : nullptr;
    if (n == 0) {  // X broadcast against an empty axis: nothing reads it, its gradient is 0
      fill_zero(dx.data, nx);
      continue;
    }
    const GradPlan p = make_grad_plan(box, which);
    if (p.reduce == 1 && !other) {
      // dx may be g itself (GradInPlace::pass_through): then there is nothing to copy.
      if (dx.data != a.grad_out[0].data) binary_bwd_same<<<blocks_for(nx), kThreads>>>(a.grad_out[0].data, dx.data, nx);
    } else if (p.reduce == 1) {
      binary_fwd<<<blocks_for(n), kThreads>>>(grad_box(box, which), BinOp::mul, a.grad_out[0].data, other, dx.data, n);
    } else {
      const int64_t per_block = kThreads / 32;
      binary_bwd_reduce<<<static_cast<unsigned>((nx + per_block - 1) / per_block), kThreads>>>(
          p, a.grad_out[0].data, other, dx.data, nx);
    }
  }
}

}  // namespace

}  // namespace deepsc::cuda
