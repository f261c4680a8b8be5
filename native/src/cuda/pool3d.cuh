#pragma once
// The 3D pooling kernels' per-element work (max_pool3d.cu, avg_pool3d.cu), as the CPU's
// src/cpu/pool_rows.h walks windows: output o along an axis reads input o s - p + t dil for
// taps t in [0, k). Backward is a gather (one thread per input voxel), so it walks the inverse:
// the outputs whose window holds input i along an axis, a range found with two divisions. __host__ __device__ so that the host
// emulation (test/cuda_emu/pool_resize_index.cu) runs the same code against the CPU kernels.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "deepsc/ops/pool_window.h"
#include "deepsc/shape.h"

namespace deepsc::cuda::pool3d {

/// int64 sizes of one pooling: planes = N C, input and output extents, the window per axis.
struct Geo {
  int64_t planes;
  int64_t in[3], out[3], k[3], s[3], p[3], dil[3];
  int64_t in_sp, out_sp;
};

inline Geo make_geo(const PoolWindow& w, const Shape& x, const Shape& y) {
  Geo g{};
  g.planes = x[0] * x[1];
  g.in_sp = 1, g.out_sp = 1;
  for (int a = 0; a < 3; ++a) {
    g.in[a] = x[2 + a], g.out[a] = y[2 + a];
    g.k[a] = w.kernel[a], g.s[a] = w.stride[a], g.p[a] = w.padding[a], g.dil[a] = w.dilation[a];
    g.in_sp *= g.in[a], g.out_sp *= g.out[a];
  }
  return g;
}

/// Splits a flat index over extents e[0..2] (row-major) into c[0..2]; returns the rest
/// (the plane).
__host__ __device__ inline int64_t split_index(int64_t i, const int64_t* e, int64_t* c) {
  c[2] = i % e[2];
  i /= e[2];
  c[1] = i % e[1];
  i /= e[1];
  c[0] = i % e[0];
  return i / e[0];
}

/// Input coordinate of tap t of output o along axis a (may lie in the padding).
__host__ __device__ inline int64_t tap_input(const Geo& g, int a, int64_t o, int64_t t) {
  return o * g.s[a] - g.p[a] + t * g.dil[a];
}

/// The outputs along axis a whose window may hold input i: those in [lo, hi] (inclusive; empty
/// when lo > hi) with i + p - o s in [0, (k - 1) dil]; with dilation 1 every one of them does,
/// otherwise holds() says which (their tap is (i + p - o s) / dil).
struct Readers {
  int64_t lo, hi;
};

__host__ __device__ inline Readers readers(const Geo& g, int a, int64_t i) {
  const int64_t top = i + g.p[a], low = top - (g.k[a] - 1) * g.dil[a];
  const int64_t lo = low <= 0 ? 0 : (low + g.s[a] - 1) / g.s[a];
  const int64_t hi = top / g.s[a];
  return {lo, hi < g.out[a] - 1 ? hi : g.out[a] - 1};
}

/// Whether output o (from readers()) reads input i along axis a.
__host__ __device__ inline bool holds(const Geo& g, int a, int64_t i, int64_t o) {
  return g.dil[a] == 1 || (i + g.p[a] - o * g.s[a]) % g.dil[a] == 0;
}

// ---- max_pool3d: the first maximum in (kd, kh, kw) order; a strictly greater value or a NaN
// replaces it (the CPU's rule).

struct Best {
  float value;
  int64_t where;  ///< flat index in the input plane; -1 when nothing beat -infinity
};

/// The first maximum of window o of one input plane.
__host__ __device__ inline Best window_max(const Geo& g, const float* plane, const int64_t* o) {
  Best b{-INFINITY, -1};
  for (int64_t kd = 0; kd < g.k[0]; ++kd) {
    const int64_t id = tap_input(g, 0, o[0], kd);
    if (id < 0 || id >= g.in[0]) continue;
    for (int64_t kh = 0; kh < g.k[1]; ++kh) {
      const int64_t ih = tap_input(g, 1, o[1], kh);
      if (ih < 0 || ih >= g.in[1]) continue;
      for (int64_t kw = 0; kw < g.k[2]; ++kw) {
        const int64_t iw = tap_input(g, 2, o[2], kw);
        if (iw < 0 || iw >= g.in[2]) continue;
        const int64_t at = (id * g.in[1] + ih) * g.in[2] + iw;
        const float v = plane[at];
        if (v > b.value || v != v) b = {v, at};
      }
    }
  }
  return b;
}

/// Whether input `self` (inside window o) is what window_max(g, plane, o).where would say, with
/// an early exit: a number wins when no NaN is in the window, it beats -infinity and every
/// value scanned before it, and nothing after it is greater; a NaN wins when no NaN follows.
__host__ __device__ inline bool is_argmax(const Geo& g, const float* plane, const int64_t* o, int64_t self) {
  const float s = plane[self];
  const bool s_nan = s != s;
  if (!s_nan && !(s > -INFINITY)) return false;
  bool before = true;
  for (int64_t kd = 0; kd < g.k[0]; ++kd) {
    const int64_t id = tap_input(g, 0, o[0], kd);
    if (id < 0 || id >= g.in[0]) continue;
    for (int64_t kh = 0; kh < g.k[1]; ++kh) {
      const int64_t ih = tap_input(g, 1, o[1], kh);
      if (ih < 0 || ih >= g.in[1]) continue;
      for (int64_t kw = 0; kw < g.k[2]; ++kw) {
        const int64_t iw = tap_input(g, 2, o[2], kw);
        if (iw < 0 || iw >= g.in[2]) continue;
        const int64_t at = (id * g.in[1] + ih) * g.in[2] + iw;
        if (at == self) {
          before = false;
          continue;
        }
        const float v = plane[at];
        if (s_nan) {
          if (!before && v != v) return false;
        } else if (v != v || (before ? v >= s : v > s)) {
          return false;
        }
      }
    }
  }
  return true;
}

/// y[i]: output element i's maximum.
__host__ __device__ inline float max_pool_out(const Geo& g, const float* x, int64_t i) {
  int64_t o[3];
  const int64_t plane = split_index(i, g.out, o);
  return window_max(g, x + plane * g.in_sp, o).value;
}

/// dx[j]: the gradients of the outputs whose argmax input j is, added in ascending
/// (od, oh, ow) order as the CPU's scatter adds them.
__host__ __device__ inline float max_pool_grad(const Geo& g, const float* x, const float* gy, int64_t j) {
  int64_t c[3];
  const int64_t plane = split_index(j, g.in, c);
  const int64_t self = j - plane * g.in_sp;
  const float* xp = x + plane * g.in_sp;
  const float* gp = gy + plane * g.out_sp;
  const Readers rd = readers(g, 0, c[0]), rh = readers(g, 1, c[1]), rw = readers(g, 2, c[2]);
  float acc = 0.f;
  int64_t o[3];
  for (o[0] = rd.lo; o[0] <= rd.hi; ++o[0]) {
    if (!holds(g, 0, c[0], o[0])) continue;
    for (o[1] = rh.lo; o[1] <= rh.hi; ++o[1]) {
      if (!holds(g, 1, c[1], o[1])) continue;
      for (o[2] = rw.lo; o[2] <= rw.hi; ++o[2]) {
        if (!holds(g, 2, c[2], o[2])) continue;
        if (is_argmax(g, xp, o, self)) acc += gp[(o[0] * g.out[1] + o[1]) * g.out[2] + o[2]];
      }
    }
  }
  return acc;
}

// ---- avg_pool3d: PyTorch's divisor (the window clipped to the padded input with
// count_include_pad, else to the real input; the product of the axes' factors; 0 gives 0).

/// The divisor's factor of output o along axis a.
__host__ __device__ inline float axis_count(const Geo& g, int a, int64_t o, bool include_pad) {
  const int64_t start = o * g.s[a] - g.p[a];
  const int64_t padded_end = g.in[a] + g.p[a];
  const int64_t end = start + g.k[a] < padded_end ? start + g.k[a] : padded_end;
  if (include_pad) return static_cast<float>(end - start);
  return static_cast<float>((end < g.in[a] ? end : g.in[a]) - (start > 0 ? start : 0));
}

__host__ __device__ inline float divisor(const Geo& g, const int64_t* o, bool include_pad) {
  return axis_count(g, 0, o[0], include_pad) * axis_count(g, 1, o[1], include_pad) * axis_count(g, 2, o[2], include_pad);
}

/// y[i]: the window's real voxels summed in (kd, kh, kw) order, over the divisor.
__host__ __device__ inline float avg_pool_out(const Geo& g, bool include_pad, const float* x, int64_t i) {
  int64_t o[3];
  const int64_t plane = split_index(i, g.out, o);
  const float* xp = x + plane * g.in_sp;
  float acc = 0.f;
  for (int64_t kd = 0; kd < g.k[0]; ++kd) {
    const int64_t id = tap_input(g, 0, o[0], kd);
    if (id < 0 || id >= g.in[0]) continue;
    for (int64_t kh = 0; kh < g.k[1]; ++kh) {
      const int64_t ih = tap_input(g, 1, o[1], kh);
      if (ih < 0 || ih >= g.in[1]) continue;
      for (int64_t kw = 0; kw < g.k[2]; ++kw) {
        const int64_t iw = tap_input(g, 2, o[2], kw);
        if (iw >= 0 && iw < g.in[2]) acc += xp[(id * g.in[1] + ih) * g.in[2] + iw];
      }
    }
  }
  const float d = divisor(g, o, include_pad);
  return d > 0.f ? acc / d : 0.f;
}

/// dx[j]: each covering output's share g / divisor, added in the order of the CPU's scatter
/// (od, oh ascending, then its kw ascending, so ow descending). avg_pool3d has no dilation.
__host__ __device__ inline float avg_pool_grad(const Geo& g, bool include_pad, const float* gy, int64_t j) {
  int64_t c[3];
  const int64_t plane = split_index(j, g.in, c);
  const float* gp = gy + plane * g.out_sp;
  const Readers rd = readers(g, 0, c[0]), rh = readers(g, 1, c[1]), rw = readers(g, 2, c[2]);
  float acc = 0.f;
  int64_t o[3];
  for (o[0] = rd.lo; o[0] <= rd.hi; ++o[0])
    for (o[1] = rh.lo; o[1] <= rh.hi; ++o[1])
      for (o[2] = rw.hi; o[2] >= rw.lo; --o[2]) {
        const float d = divisor(g, o, include_pad);
        acc += d > 0.f ? gp[(o[0] * g.out[1] + o[1]) * g.out[2] + o[2]] / d : 0.f;
      }
  return acc;
}

}  // namespace deepsc::cuda::pool3d
