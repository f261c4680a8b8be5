#pragma once
// How conv3d runs one pass on the GPU: the fast kernel (conv3d_fast.cuh) with which tiling and
// how many reduction splits, or the simple kernel (conv3d_simple.cuh). Host code, shared with
// the host emulation (test/cuda_emu). Every choice depends on the shapes only (never on the
// device), so a result is bitwise the same on every run and every GPU.
#include <cstdint>

#include "cuda/conv3d_fast.cuh"

namespace deepsc::cuda::conv3d {

enum class Tile : int { t128 = 0, t64 = 1, t32 = 2, t8 = 3, small = 4, t4 = 5 };
constexpr int kTiles = 6;

/// Threads the splits aim for: one full wave of an H100 (132 SMs at 512 resident threads each,
/// 128 registers a thread). Splitting only pays while the tiles alone leave the GPU at most
/// half full, and the split count is rounded down so that the blocks fit one wave (a second,
/// partly filled wave would cost a whole block's time for a few blocks). A constant, not the
/// device's SM count, so that the split (and so the summation order) is the same on every GPU.
constexpr int64_t kTargetThreads = 132 * 512;
/// Fewest reduction steps (of fast::BK rows) a split gets: thinner splits cost more in partial
/// sums written and re-read than they gain.
constexpr int kMinStepsPerSplit = 8;
/// Most scratch the partial sums may take (floats; 256 MiB): fewer splits beyond it.
constexpr int64_t kMaxScratchFloats = int64_t(1) << 26;
/// Most backward-data residue classes (sD sH sW) the fast kernel takes: with larger strides
/// most classes have no tap and the simple kernel is as good.
constexpr int kMaxClasses = 64;

/// Most kernel taps (kD kH kW) the fast kernel takes in forward and backward-data: its tap
/// table (20 bytes a tap) and the largest tiling's 17 KiB stay inside the 48 KiB of shared
/// memory a block gets without opting in.
constexpr int kMaxTaps = 1024;

struct TileShape {
  int BM, BN, NT;
};

inline TileShape tile_shape(Tile t) {
  using namespace fast;
  switch (t) {
    case Tile::t128: return {T128::BM, T128::BN, T128::NT};
    case Tile::t64: return {T64::BM, T64::BN, T64::NT};
    case Tile::t32: return {T32::BM, T32::BN, T32::NT};
    case Tile::t8: return {T8::BM, T8::BN, T8::NT};
    case Tile::t4: return {T4::BM, T4::BN, T4::NT};
    default: return {TSmall::BM, TSmall::BN, TSmall::NT};
  }
}

inline const char* tile_name(Tile t) {
  switch (t) {
    case Tile::t128: return "128x128";
    case Tile::t64: return "64x128";
    case Tile::t32: return "32x128";
    case Tile::t8: return "8x128";
    case Tile::t4: return "4x128";
    default: return "32x32";
  }
}

/// The smallest tiling whose rows cover M (rows past M are wasted work), the 32 x 32 one for
/// thin outputs (backward-weight of a layer with few input channels).
inline Tile choose_tile(int M, int NC) {
  if (M <= 32 && NC <= 32) return Tile::small;
  if (M <= 4) return Tile::t4;
  if (M <= 8) return Tile::t8;
  if (M <= 32) return Tile::t32;
  if (M <= 64) return Tile::t64;
  return Tile::t128;
}

struct Plan {
  bool fast = false;  // false: the simple kernel
  Tile tile = Tile::t128;
  bool tc = false;    // the 3xTF32 tensor-core multiply (conv3d_tc.cuh) instead of FFMA
  Geo32 geo{};        // geo.splits set
  int64_t grid[3] = {0, 0, 0};
  int max_cols = 0, max_rows = 0;  // over the classes
  int64_t scratch_floats = 0;      // splits > 1: splits x output
};

/// Largest columns and reduction rows over the classes of pass P.
template <int P>
inline void class_maxima(const Geo32& G, int& cols, int& rows) {
  cols = 0, rows = 0;
  for (int c = 0; c < G.classes; ++c) {
    fast::Block b{};
    fast::class_extents<P>(G, c, b);
    cols = b.NC > cols ? b.NC : cols;
    rows = b.R > rows ? b.R : rows;
  }
}

/// Grid and scratch of the fast kernel for tiling `t` with `splits` splits.
template <int P>
inline void finish_plan(Plan& pl, Tile t, int splits) {
  const TileShape s = tile_shape(t);
  pl.tile = t;
  pl.geo.splits = splits;
  pl.grid[0] = (pl.max_cols + s.BN - 1) / s.BN;
  pl.grid[1] = (pl.geo.M + s.BM - 1) / s.BM;
  pl.grid[2] = static_cast<int64_t>(pl.geo.G) * pl.geo.classes * splits;
  pl.scratch_floats = splits > 1 ? static_cast<int64_t>(splits) * pl.geo.total : 0;
}

/// Whether tiling t has a tensor-core twin (the 32-row and larger ones).
inline bool has_tc(Tile t) { return t == Tile::t128 || t == Tile::t64 || t == Tile::t32; }

/// The plan for pass P (M > 0, columns > 0 and reduction > 0 are handled before); `tc`: use
/// the 3xTF32 tensor-core multiply where the tiling has one.
template <int P>
inline Plan make_plan(const Dims& D, int64_t groups, bool tc = false) {
  Plan pl;
  if (!fits_int32(D) || groups > 65535) return pl;
  if (P == kBwdData && D.s[0] * D.s[1] * D.s[2] > kMaxClasses) return pl;
  if (P != kBwdWeight && D.kvol > kMaxTaps) return pl;
  pl.geo = make_geo32(D, groups, P);
  class_maxima<P>(pl.geo, pl.max_cols, pl.max_rows);
  const Tile t = choose_tile(pl.geo.M, pl.max_cols);
  const TileShape s = tile_shape(t);
  const int64_t tiles = ((pl.max_cols + s.BN - 1) / s.BN) * int64_t((pl.geo.M + s.BM - 1) / s.BM) * groups *
                        pl.geo.classes;
  const int64_t target = kTargetThreads / s.NT;
  const int64_t steps = (pl.max_rows + fast::BK - 1) / fast::BK;
  int64_t splits = 1;
  if (2 * tiles <= target) {
    splits = target / tiles;
    if (splits > steps / kMinStepsPerSplit) splits = steps / kMinStepsPerSplit;
  }
  const int64_t zmax = 65535 / (groups * pl.geo.classes);
  if (splits > zmax) splits = zmax;
  if (splits > 1 && splits * pl.geo.total > kMaxScratchFloats) splits = kMaxScratchFloats / pl.geo.total;
  if (splits < 1) splits = 1;
  finish_plan<P>(pl, t, static_cast<int>(splits));
  pl.tc = tc && has_tc(t);
  pl.fast = pl.grid[1] <= 65535 && pl.grid[2] <= 65535 && pl.grid[0] <= 0x7fffffff;
  return pl;
}

}  // namespace deepsc::cuda::conv3d
