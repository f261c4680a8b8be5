// Prints conv3d's launch plan (conv3d_plan.cuh) for the benchmark's paper-size layers
// (benchmarks/gpu/layers.json, copied here), with each pass's useful FLOPs, the work the
// tiles actually do (rows and columns past the end of a tile, zero taps), the bytes it must
// at least move, and the lower bounds on an H100 (60 TFLOP/s fp32 FFMA, 3.35 TB/s HBM3).
// No GPU involved; the numbers in conv3d.cu's header come from here.
#include <cstdio>

#include "cuda/conv3d_plan.cuh"

using namespace deepsc;
using namespace deepsc::cuda::conv3d;

namespace {

struct Layer {
  const char* name;
  int64_t N, C, K, in[3], k, s;
};

template <int P>
void show(const Layer& l, const Dims& D) {
  const Plan pl = make_plan<P>(D, 1);
  const double useful = 2.0 * D.N * D.K * D.out_sp * D.Cg * D.kvol;
  // bytes: read the two GEMM operands once, write the output once (float32)
  const double xs = D.N * D.C * D.in_sp, ys = D.N * D.K * D.out_sp, ws = D.K * D.Cg * D.kvol;
  const double bytes = 4.0 * (P == kFwd ? xs + ws + ys : P == kBwdData ? ys + ws + xs : ys + xs + ws);
  double work = 0;
  const TileShape ts = tile_shape(pl.tile);
  for (int c = 0; c < pl.geo.classes; ++c) {
    fast::Block b{};
    fast::class_extents<P>(pl.geo, c, b);
    const double rows = ((pl.geo.M + ts.BM - 1) / ts.BM) * double(ts.BM);
    const double cols = ((b.NC + ts.BN - 1) / ts.BN) * double(ts.BN);
    work += 2.0 * rows * cols * (((b.R + fast::BK - 1) / fast::BK) * double(fast::BK));
  }
  const double t_flop = useful / 60e12 * 1e3, t_mem = bytes / 3.35e12 * 1e3;
  std::printf("%-26s %-15s %7.2f GFLOP  tiles do %5.2fx  %7.1f MB  bound %.3f ms (%s)  %s x%d grid %lldx%lldx%lld\n",
              l.name, P == kFwd ? "forward" : P == kBwdData ? "backward_data" : "backward_weight", useful / 1e9,
              work / useful, bytes / 1e6, t_flop > t_mem ? t_flop : t_mem, t_flop > t_mem ? "FLOPs" : "bytes",
              tile_name(pl.tile), pl.geo.splits, static_cast<long long>(pl.grid[0]),
              static_cast<long long>(pl.grid[1]), static_cast<long long>(pl.grid[2]));
}

}  // namespace

int main() {
  const Layer layers[] = {
      {"paper/stem.whole.branch3", 1, 1, 8, {48, 256, 256}, 3, 2},
      {"paper/unet.enc1.conv2", 1, 32, 32, {12, 128, 128}, 3, 1},
      {"paper/unet.enc2.conv1", 1, 32, 64, {12, 128, 128}, 3, 2},
      {"paper/unet.enc3.conv2", 1, 128, 128, {3, 32, 32}, 3, 1},
      {"paper/unet.dec1.conv1", 1, 64, 32, {12, 128, 128}, 3, 1},
      {"paper/cls.block1.conv1", 1, 33, 64, {24, 128, 128}, 3, 2},
      {"paper/cls.block3.conv2", 1, 256, 256, {6, 16, 16}, 3, 1},
  };
  for (const Layer& l : layers) {
    ConvGeometry g;
    g.N = l.N, g.C = l.C, g.K = l.K, g.groups = 1;
    for (int a = 0; a < 3; ++a) {
      g.in[a] = l.in[a], g.k[a] = l.k, g.s[a] = l.s, g.p[a] = 1, g.d[a] = 1;
      g.out[a] = (l.in[a] + 2 - (l.k - 1) - 1) / l.s + 1;
    }
    const Dims D = make_dims(g);
    show<kFwd>(l, D);
    show<kBwdData>(l, D);
    show<kBwdWeight>(l, D);
  }
  return 0;
}
