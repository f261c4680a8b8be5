#pragma once
// conv3d's geometry as the CUDA kernels use it: the passes, the int64 dimensions of the simple
// kernel (conv3d_simple.cuh) and the int32 ones of the fast kernel (conv3d_fast.cuh). Host and
// device code, so that the host emulation (test/cuda_emu) runs the same index math.
#include <cuda_runtime.h>

#include <cstdint>

#include "deepsc/ops/conv_geometry.h"

namespace deepsc::cuda::conv3d {

/// The three GEMMs of a convolution (conv3d.cu's header writes them out).
enum Pass : int { kFwd = 0, kBwdData = 1, kBwdWeight = 2 };

/// int64 dimensions: any size the registry accepts.
struct Dims {
  int64_t N, C, K, Cg, Kg;
  int64_t in[3], out[3], k[3], s[3], p[3], d[3];
  int64_t kvol, in_sp, out_sp;
};

inline Dims make_dims(const ConvGeometry& g) {
  Dims d{};
  d.N = g.N, d.C = g.C, d.K = g.K, d.Cg = g.C / g.groups, d.Kg = g.K / g.groups;
  d.kvol = 1, d.in_sp = 1, d.out_sp = 1;
  for (int a = 0; a < 3; ++a) {
    d.in[a] = g.in[a], d.out[a] = g.out[a], d.k[a] = g.k[a], d.s[a] = g.s[a], d.p[a] = g.p[a], d.d[a] = g.d[a];
    d.kvol *= g.k[a], d.in_sp *= g.in[a], d.out_sp *= g.out[a];
  }
  return d;
}

/// int32 dimensions for the fast kernel, plus its launch plan (rows per group, residue
/// classes, reduction splits). Only built when fits_int32() holds.
struct Geo32 {
  int N, C, K, G, Cg, Kg;
  int in[3], out[3], k[3], s[3], p[3], d[3];
  int kvol, in_sp, out_sp;
  int M;        // output rows per group: K/g (forward, backward-weight) or C/g (backward-data)
  int classes;  // backward-data: sD sH sW residue classes (stride 1: one); else 1
  int splits;   // reduction splits; 1: the kernel writes the output, else partials to scratch
  int total;    // elements of the pass's output tensor (one split's slice of the scratch)
  int taps;     // entries of the fast kernel's tap table: kD kH kW (forward, backward-data), 0
};

/// Whether every offset the fast kernel forms (including padded and out-of-range window
/// positions, which it bounds-checks but still adds up) fits int32 with room to spare, and
/// every window coordinate stays under 2^27 in magnitude (so that the kOff sentinel of an
/// invalid row or column, -2^29, keeps any sum negative): the rule that selects the fast
/// kernel over the int64 simple one.
inline bool fits_int32(const Dims& D) {
  const double lim = 1073741824.0, axis_lim = 134217728.0;  // 2^30, 2^27
  double pin = static_cast<double>(D.N) * static_cast<double>(D.C > D.K ? D.C : D.K);
  double pout = static_cast<double>(D.N) * static_cast<double>(D.K > D.C ? D.K : D.C);
  bool axes = true;
  for (int a = 0; a < 3; ++a) {
    const double reach = static_cast<double>(D.k[a]) * static_cast<double>(D.d[a]);
    const double ein = static_cast<double>(D.in[a]) + 2.0 * static_cast<double>(D.p[a]) + reach +
                       static_cast<double>(D.s[a]);
    const double eout = static_cast<double>(D.out[a]) * static_cast<double>(D.s[a]) + reach + 2.0;
    axes = axes && ein < axis_lim && eout < axis_lim;
    pin *= ein;
    pout *= eout;
  }
  return axes && pin < lim && pout < lim && static_cast<double>(D.K) * static_cast<double>(D.Cg * D.kvol) < lim;
}

inline Geo32 make_geo32(const Dims& D, int64_t groups, int pass) {
  Geo32 g{};
  g.N = static_cast<int>(D.N), g.C = static_cast<int>(D.C), g.K = static_cast<int>(D.K);
  g.G = static_cast<int>(groups), g.Cg = static_cast<int>(D.Cg), g.Kg = static_cast<int>(D.Kg);
  for (int a = 0; a < 3; ++a) {
    g.in[a] = static_cast<int>(D.in[a]), g.out[a] = static_cast<int>(D.out[a]), g.k[a] = static_cast<int>(D.k[a]);
    g.s[a] = static_cast<int>(D.s[a]), g.p[a] = static_cast<int>(D.p[a]), g.d[a] = static_cast<int>(D.d[a]);
  }
  g.kvol = static_cast<int>(D.kvol), g.in_sp = static_cast<int>(D.in_sp), g.out_sp = static_cast<int>(D.out_sp);
  g.M = pass == kBwdData ? g.Cg : g.Kg;
  g.classes = pass == kBwdData ? g.s[0] * g.s[1] * g.s[2] : 1;
  g.splits = 1;
  g.taps = pass == kBwdWeight ? 0 : g.kvol;
  g.total = static_cast<int>(pass == kFwd       ? D.N * D.K * D.out_sp
                             : pass == kBwdData ? D.N * D.C * D.in_sp
                                                : D.K * D.Cg * D.kvol);
  return g;
}

}  // namespace deepsc::cuda::conv3d
