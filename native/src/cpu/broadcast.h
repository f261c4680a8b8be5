#pragma once
// Strided iteration for NumPy-broadcast binary ops (add, mul). A plan describes the output as
// a row-major box `dims` and each operand by its element strides in that box (0 along a
// broadcast axis). Size-1 axes are dropped and adjacent axes merged where every operand is
// contiguous across them, so the common cases (same shape, a per-channel vector) become one
// or two long axes.
#include <algorithm>
#include <array>
#include <cstdint>

#include "cpu/kernels.h"

namespace deepsc::cpu {

inline constexpr int kMaxRank = 8;

struct BroadcastPlan {
  int rank = 0;
  std::array<int64_t, kMaxRank> dims{};
  std::array<std::array<int64_t, kMaxRank>, 2> stride{};  ///< per operand
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[static_cast<size_t>(i)];
    return n;
  }
};

/// The plan for out = f(a, b); out is the broadcast shape of a and b.
inline BroadcastPlan make_plan(const Shape& out, const Shape& a, const Shape& b) {
  const int r = out.rank();
  std::array<int64_t, kMaxRank> d{}, sa{}, sb{};
  auto strides = [&](const Shape& s, std::array<int64_t, kMaxRank>& st) {
    int64_t acc = 1;
    for (int i = r - 1; i >= 0; --i) {
      const int j = s.rank() - r + i;
      const int64_t ext = j >= 0 ? s[j] : 1;
      st[static_cast<size_t>(i)] = ext == 1 ? 0 : acc;
      acc *= ext;
    }
  };
  for (int i = 0; i < r; ++i) d[static_cast<size_t>(i)] = out[i];
  strides(a, sa);
  strides(b, sb);
  BroadcastPlan p;
  for (int i = 0; i < r; ++i) {
    const size_t u = static_cast<size_t>(i);
    if (d[u] == 1) continue;
    if (p.rank > 0) {
      const size_t k = static_cast<size_t>(p.rank - 1);
      // Merge axis i into the previous kept axis when both operands run contiguously across.
      if (p.stride[0][k] == sa[u] * d[u] && p.stride[1][k] == sb[u] * d[u]) {
        p.dims[k] *= d[u];
        p.stride[0][k] = sa[u];
        p.stride[1][k] = sb[u];
        continue;
      }
    }
    const size_t k = static_cast<size_t>(p.rank++);
    p.dims[k] = d[u];
    p.stride[0][k] = sa[u];
    p.stride[1][k] = sb[u];
  }
  if (p.rank == 0) {  // every extent 1: one element
    p.rank = 1;
    p.dims[0] = 1;
  }
  return p;
}

/// out[i] = f(a[ia], b[ib]) over the plan's box; out is contiguous. Chunks of
/// kElementwiseGrain output elements run in parallel.
template <class F>
void broadcast_apply(const BroadcastPlan& p, const float* a, const float* b, float* out, F f) {
  const int last = p.rank - 1;
  const int64_t len = p.dims[static_cast<size_t>(last)];
  const int64_t sa = p.stride[0][static_cast<size_t>(last)], sb = p.stride[1][static_cast<size_t>(last)];
  parallel_for(p.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
    std::array<int64_t, kMaxRank> idx{};
    int64_t rem = begin, oa = 0, ob = 0;
    for (int i = last; i >= 0; --i) {
      const size_t u = static_cast<size_t>(i);
      idx[u] = rem % p.dims[u];
      rem /= p.dims[u];
      oa += idx[u] * p.stride[0][u];
      ob += idx[u] * p.stride[1][u];
    }
    for (int64_t pos = begin; pos < end;) {
      const int64_t start = idx[static_cast<size_t>(last)];
      const int64_t run = std::min(len - start, end - pos);
      float* o = out + pos;
      const float* pa = a + oa;
      const float* pb = b + ob;
      // Specialised inner loops so the compiler vectorises the common stride patterns.
      if (sa == 1 && sb == 1) for (int64_t k = 0; k < run; ++k) o[k] = f(pa[k], pb[k]);
      else if (sa == 1 && sb == 0) for (int64_t k = 0; k < run; ++k) o[k] = f(pa[k], pb[0]);
      else if (sa == 0 && sb == 1) for (int64_t k = 0; k < run; ++k) o[k] = f(pa[0], pb[k]);
      else for (int64_t k = 0; k < run; ++k) o[k] = f(pa[k * sa], pb[k * sb]);
      pos += run;
      oa += run * sa;
      ob += run * sb;
      idx[static_cast<size_t>(last)] += run;
      // Carry into the outer axes.
      for (int i = last; i > 0 && idx[static_cast<size_t>(i)] == p.dims[static_cast<size_t>(i)]; --i) {
        const size_t u = static_cast<size_t>(i), v = static_cast<size_t>(i - 1);
        oa -= idx[u] * p.stride[0][u];
        ob -= idx[u] * p.stride[1][u];
        idx[u] = 0;
        ++idx[v];
        oa += p.stride[0][v];
        ob += p.stride[1][v];
      }
    }
  });
}

/// dx[j] = sum over the output elements i that operand `which` broadcasts element j to, of
/// g[i] * w(i), where w(i) = other[i's element of the other operand] (mul) or 1 (other ==
/// nullptr, add). Each dx[j] is summed in double, in row-major order of the broadcast axes,
/// so the result does not depend on the thread count.
inline void broadcast_reduce(const BroadcastPlan& p, int which, const float* g, const float* other, float* dx) {
  const auto& sx = p.stride[static_cast<size_t>(which)];
  const auto& so = p.stride[static_cast<size_t>(1 - which)];
  // Output strides of the plan's box.
  std::array<int64_t, kMaxRank> ostr{};
  int64_t acc = 1;
  for (int i = p.rank - 1; i >= 0; --i) {
    ostr[static_cast<size_t>(i)] = acc;
    acc *= p.dims[static_cast<size_t>(i)];
  }
  std::array<int, kMaxRank> kept{}, red{};
  int nk = 0, nr = 0;
  int64_t targets = 1, per_target = 1;
  for (int i = 0; i < p.rank; ++i) {
    const size_t u = static_cast<size_t>(i);
    if (sx[u] != 0 || p.dims[u] == 1) {
      kept[static_cast<size_t>(nk++)] = i;
      targets *= p.dims[u];
    } else {
      red[static_cast<size_t>(nr++)] = i;
      per_target *= p.dims[u];
    }
  }
  if (per_target == 0) {  // broadcast against an empty axis: nothing flows back
    std::fill(dx, dx + targets, 0.f);
    return;
  }
  // The innermost reduced axis is summed as one strided run.
  const size_t last_red = nr ? static_cast<size_t>(red[static_cast<size_t>(nr - 1)]) : 0;
  const int64_t inner = nr ? p.dims[last_red] : 1, istr = nr ? ostr[last_red] : 0, iw = nr ? so[last_red] : 0;
  const int64_t outer = per_target / inner;
  parallel_for(targets, std::max<int64_t>(1, kElementwiseGrain / per_target), [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      // Output and other-operand offsets of target j (kept axes, row-major = x's own layout).
      int64_t rem = j, obase = 0, wbase = 0;
      for (int k = nk - 1; k >= 0; --k) {
        const size_t u = static_cast<size_t>(kept[static_cast<size_t>(k)]);
        const int64_t i = rem % p.dims[u];
        rem /= p.dims[u];
        obase += i * ostr[u];
        wbase += i * so[u];
      }
      double sum = 0;
      std::array<int64_t, kMaxRank> idx{};  // over the outer reduced axes red[0 .. nr-2]
      for (int64_t t = 0; t < outer; ++t) {
        int64_t off = obase, woff = wbase;
        for (int k = 0; k + 1 < nr; ++k) {
          const size_t u = static_cast<size_t>(red[static_cast<size_t>(k)]);
          off += idx[static_cast<size_t>(k)] * ostr[u];
          woff += idx[static_cast<size_t>(k)] * so[u];
        }
        if (other)
          for (int64_t k = 0; k < inner; ++k) sum += static_cast<double>(g[off + k * istr]) * other[woff + k * iw];
        else
          for (int64_t k = 0; k < inner; ++k) sum += static_cast<double>(g[off + k * istr]);
        for (int k = nr - 2; k >= 0; --k) {
          const size_t u = static_cast<size_t>(k);
          if (++idx[u] < p.dims[static_cast<size_t>(red[u])]) break;
          idx[u] = 0;
        }
      }
      dx[j] = static_cast<float>(sum);
    }
  });
}

/// Whether operand `which` covers the whole output (no broadcast axis; an extent-1 axis
/// broadcast against an empty one counts as broadcast).
inline bool is_full(const BroadcastPlan& p, int which) {
  for (int i = 0; i < p.rank; ++i)
    if (p.stride[static_cast<size_t>(which)][static_cast<size_t>(i)] == 0 && p.dims[static_cast<size_t>(i)] != 1) return false;
  return true;
}

}  // namespace deepsc::cpu
