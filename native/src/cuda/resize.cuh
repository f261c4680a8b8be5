#pragma once
// resize's per-element work (resize.cu), __host__ __device__ so that the host emulation
// (test/cuda_emu/pool_resize_index.cu) runs it against the CPU kernel. The CPU
// (src/cpu/resize.cpp) computes indices and weights in plain float32 without FMA; on the
// device the arithmetic goes through round-to-nearest intrinsics so that nvcc cannot contract
// it into FMAs, and both pick the same voxels and weights and blend them the same way.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "deepsc/ops/resize.h"
#include "deepsc/shape.h"

namespace deepsc::cuda::resize {

__host__ __device__ inline float mul(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
__host__ __device__ inline float add(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
__host__ __device__ inline float sub(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}
__host__ __device__ inline float divide(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}
/// a0 b0 + a1 b1, the CPU's `w0 * u + w1 * v`.
__host__ __device__ inline float blend(float a0, float b0, float a1, float b1) { return add(mul(a0, b0), mul(a1, b1)); }

struct Geo {
  bool linear;
  int64_t planes;
  int64_t in[3], out[3];
  int64_t in_sp, out_sp;
};

inline Geo make_geo(const ResizeParams& p, const Shape& x) {
  Geo g{};
  g.linear = p.mode == ResizeMode::trilinear;
  g.planes = x[0] * x[1];
  g.in_sp = 1, g.out_sp = 1;
  for (int a = 0; a < 3; ++a) {
    g.in[a] = x[2 + a], g.out[a] = p.size[a];
    g.in_sp *= g.in[a], g.out_sp *= g.out[a];
  }
  return g;
}

/// Output o along one axis reads source voxels i0, i1 with weights w0, w1 (nearest: i1 = i0,
/// w0 = 1, w1 = 0).
struct Tap {
  int64_t i0, i1;
  float w0, w1;
};

__host__ __device__ inline Tap tap(const Geo& g, int a, int64_t o) {
  const int64_t in = g.in[a];
  const float scale = divide(static_cast<float>(in), static_cast<float>(g.out[a]));
  if (!g.linear) {
    const int64_t i = static_cast<int64_t>(floorf(mul(static_cast<float>(o), scale)));
    const int64_t c = i < in - 1 ? i : in - 1;
    return {c, c, 1.f, 0.f};
  }
  float src = sub(mul(scale, add(static_cast<float>(o), 0.5f)), 0.5f);
  if (src < 0.f) src = 0.f;
  const int64_t f = static_cast<int64_t>(floorf(src));
  const int64_t lo = f < in - 1 ? f : in - 1;
  const float lambda = fminf(fmaxf(sub(src, static_cast<float>(lo)), 0.f), 1.f);
  return {lo, lo + (lo < in - 1 ? 1 : 0), sub(1.f, lambda), lambda};
}

/// y[i]: nearest copies the source voxel; trilinear blends along D and H first (the CPU's
/// t[w] = d0 (h0 a[w] + h1 b[w]) + d1 (h0 c[w] + h1 e[w]) at the two W sources), then along W.
__host__ __device__ inline float forward_at(const Geo& g, const float* x, int64_t i) {
  const int64_t ow = i % g.out[2], oh = (i / g.out[2]) % g.out[1], od = (i / (g.out[2] * g.out[1])) % g.out[0];
  const float* base = x + (i / g.out_sp) * g.in_sp;
  const Tap td = tap(g, 0, od), th = tap(g, 1, oh), tw = tap(g, 2, ow);
  if (!g.linear) return base[(td.i0 * g.in[1] + th.i0) * g.in[2] + tw.i0];
  const float* a = base + (td.i0 * g.in[1] + th.i0) * g.in[2];
  const float* b = base + (td.i0 * g.in[1] + th.i1) * g.in[2];
  const float* c = base + (td.i1 * g.in[1] + th.i0) * g.in[2];
  const float* e = base + (td.i1 * g.in[1] + th.i1) * g.in[2];
  const float t0 = blend(td.w0, blend(th.w0, a[tw.i0], th.w1, b[tw.i0]), td.w1, blend(th.w0, c[tw.i0], th.w1, e[tw.i0]));
  const float t1 = blend(td.w0, blend(th.w0, a[tw.i1], th.w1, b[tw.i1]), td.w1, blend(th.w0, c[tw.i1], th.w1, e[tw.i1]));
  return blend(tw.w0, t0, tw.w1, t1);
}

/// The outputs [lo, hi) along axis a that read input voxel i (both source indices grow with
/// the output index, so they are contiguous): lo is the first output whose upper source i1
/// reaches i, hi the first whose lower source i0 passes i. Binary searches.
struct Range {
  int64_t lo, hi;
};

__host__ __device__ inline Range readers(const Geo& g, int a, int64_t i) {
  int64_t lo = 0, hi = g.out[a];
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (tap(g, a, mid).i1 >= i) hi = mid;
    else lo = mid + 1;
  }
  Range r{lo, lo};
  hi = g.out[a];
  while (r.hi < hi) {
    const int64_t mid = r.hi + (hi - r.hi) / 2;
    if (tap(g, a, mid).i0 > i) hi = mid;
    else r.hi = mid + 1;
  }
  return r;
}

/// dx[j]: the contributions of the outputs that read input voxel j, in the order and grouping
/// of the CPU's scatter: od ascending; its source 0 then 1; oh ascending; the W row's weighted
/// gradients summed in ow order (the CPU's tp[iw]); then that row sum times wd wh for the
/// output row's source 0 then 1.
__host__ __device__ inline float backward_at(const Geo& g, const float* gy, int64_t j) {
  const int64_t iw = j % g.in[2], ih = (j / g.in[2]) % g.in[1], id = (j / (g.in[2] * g.in[1])) % g.in[0];
  const int64_t plane = j / g.in_sp;
  const Range rd = readers(g, 0, id), rh = readers(g, 1, ih), rw = readers(g, 2, iw);
  float acc = 0.f;
  for (int64_t od = rd.lo; od < rd.hi; ++od) {
    const Tap td = tap(g, 0, od);
    for (int src = 0; src < (g.linear ? 2 : 1); ++src) {
      if ((src ? td.i1 : td.i0) != id) continue;
      const float wd = src ? td.w1 : td.w0;
      for (int64_t oh = rh.lo; oh < rh.hi; ++oh) {
        const Tap th = tap(g, 1, oh);
        const float* row = gy + ((plane * g.out[0] + od) * g.out[1] + oh) * g.out[2];
        if (!g.linear) {
          if (th.i0 != ih) continue;
          for (int64_t ow = rw.lo; ow < rw.hi; ++ow) acc = add(acc, row[ow]);
          continue;
        }
        float t = 0.f;
        for (int64_t ow = rw.lo; ow < rw.hi; ++ow) {
          const Tap tw = tap(g, 2, ow);
          if (tw.i0 == iw) t = add(t, mul(tw.w0, row[ow]));
          if (tw.i1 == iw) t = add(t, mul(tw.w1, row[ow]));
        }
        if (th.i0 == ih) acc = add(acc, mul(mul(wd, th.w0), t));
        if (th.i1 == ih) acc = add(acc, mul(mul(wd, th.w1), t));
      }
    }
  }
  return acc;
}

}  // namespace deepsc::cuda::resize
