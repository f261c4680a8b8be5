// The direct 3D convolution engine. Every pass is one "correlation job":
//
//   out[o][j] = sum over taps t and reduction channels c of  w[o][c][t] * in[c][j * s_in + off_t]
//
// over an output grid j = (jd, jh, jw), written to dst[o][o_phase + o_step * j]. conv3d's
// forward is one job; its backward-data is s_d * s_h * s_w jobs, one per stride phase of the
// input gradient (each dx element is touched by the taps whose offset divides by the stride, so
// no zero-stuffed gradient is ever built); its backward-weight runs the forward job's geometry
// and reduces over pixels instead of channels.
//
// Work unit: one output depth plane jd of one sample, and a chunk of `rows` output rows. For
// each unit, the input rows the unit needs are copied into a "slab" (zero padding materialised,
// H and W split by stride phase, channels-first), so every (tap, channel) pair is a constant
// offset from the output pixel and pixels are contiguous: the micro-kernels vectorise along
// output pixels (forward, backward-data) or along output channels (backward-weight) with no
// bounds checks. Output rows are computed over the slab's full row width (a few garbage
// columns at the right, dropped on copy-out), so a unit is one long contiguous pixel run.
//
// Workspace bound: each concurrent slot holds one slab plus one output (or transposed
// gradient) buffer, both sized by kSlabBudget (one row minimum), never the whole volume; the
// weight gradient adds kWgradGroups partial sums of the packed weights. See
// docs/architecture.md, "Convolution".
#include "cpu/conv3d_engine.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "cpu/isa/conv3d_isa.h"
#include "deepsc/cpu_features.h"
#include "deepsc/error.h"
#include "deepsc/threadpool.h"

namespace deepsc::cpu::conv {

namespace {

/// Target floats of a slab and of an output buffer (256 KiB: stays in L2 while the
/// micro-kernels sweep it once per output-channel block). A unit holds at least one row.
constexpr int64_t kSlabBudget = int64_t(1) << 18;
/// A correlation job is cut into at least this many units (splitting output channels into
/// groups when the planes are too few), so two or more threads stay busy on deep layers.
constexpr int64_t kMinUnits = 16;
/// Multiply-adds below which a job does not wake other threads: a wake-up costs more than
/// the work (and, on a loaded machine, may wait a whole time slice for a descheduled worker).
constexpr int64_t kMinParallelFmas = int64_t(1) << 21;
/// Weight-gradient partial sums: a fixed number of task groups, each summing a fixed range of
/// units in order, reduced in group order. Fixed, so results do not depend on the thread count.
constexpr int64_t kWgradGroups = 8;

int64_t round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t ceil_div_any(int64_t a, int64_t b) { return -floor_div(-a, b); }

struct Axis {
  int64_t J = 0;              ///< output grid size
  int64_t s_in = 1;           ///< input index step per output index
  std::vector<int64_t> off;   ///< input offset of each tap
  std::vector<int64_t> tap;   ///< kernel index of each tap
  int64_t o_phase = 0, o_step = 1;
  int64_t lo() const { return off.empty() ? 0 : *std::min_element(off.begin(), off.end()); }
  int64_t hi() const { return off.empty() ? 0 : *std::max_element(off.begin(), off.end()); }
};

struct Job {
  int64_t Cs = 0;                 ///< reduction channels (per group)
  int64_t Ko = 0;                 ///< output channels (per group)
  std::array<int64_t, 3> S{};     ///< source dims
  std::array<int64_t, 3> T{};     ///< destination dims
  std::array<Axis, 3> ax;
};

struct Plan {
  std::array<int64_t, 3> nt{};
  int64_t E = 0, lo_h = 0, lo_w = 0, qw = 0, Wq = 1, rows = 1, chunks = 1, Hq = 1;
  int64_t blk = 0, chanS = 0, planeS = 0, slab = 0, npix = 0, units = 0, nvec = 0;
  bool rowwise = false;
  /// Slab block of each stride phase (ph * s_w + pw), or -1 when no tap reads that phase
  /// (a strided 1x1x1 conv reads one phase of four): unread phases are not copied.
  std::vector<int64_t> block_of;
};

/// Start offsets (in pixels) of the plan's 16-pixel vectors.
std::vector<int64_t> make_voff(const Plan& p, int64_t row_len) {
  std::vector<int64_t> v;
  v.reserve(static_cast<size_t>(p.nvec));
  if (p.rowwise) {
    for (int64_t i = 0; i < p.rows; ++i)
      for (int64_t c = 0; c < row_len; c += kPixelAlign) v.push_back(i * p.Wq + c);
  } else {
    for (int64_t i = 0; i < p.nvec; ++i) v.push_back(i * kPixelAlign);
  }
  return v;
}

/// The H and W extent a slab covers: one job's, or the union of the jobs that share a slab
/// (the H/W stride phases of one backward-data depth phase).
struct Extent {
  int64_t lo_h = 0, hi_h = 0, lo_w = 0, hi_w = 0, J1 = 0, J2 = 0;
};

Extent extent_of(const Job& j) {
  return {j.ax[1].lo(), j.ax[1].hi(), j.ax[2].lo(), j.ax[2].hi(), j.ax[1].J, j.ax[2].J};
}

/// Sizes of one job's units. `row_channels`: channels of the per-unit output buffer.
Plan make_plan(const Job& j, int64_t row_channels, const Extent& x) {
  Plan p;
  for (int a = 0; a < 3; ++a) p.nt[a] = static_cast<int64_t>(j.ax[a].off.size());
  p.E = p.nt[0] * p.nt[1] * p.nt[2] * j.Cs;
  const int64_t sh = j.ax[1].s_in, sw = j.ax[2].s_in;
  p.lo_h = x.lo_h;
  p.lo_w = x.lo_w;
  const int64_t qh = (x.hi_h - p.lo_h) / sh;
  p.qw = (x.hi_w - p.lo_w) / sw;
  p.Wq = std::max<int64_t>(1, x.J2 + p.qw);
  p.block_of.assign(static_cast<size_t>(sh * sw), -1);
  int64_t nblocks = 0;
  for (int64_t oh : j.ax[1].off)
    for (int64_t ow : j.ax[2].off) {
      int64_t& b = p.block_of[static_cast<size_t>(((oh - p.lo_h) % sh) * sw + (ow - p.lo_w) % sw)];
      if (b < 0) b = nblocks++;
    }
  if (nblocks == 0) p.block_of[0] = nblocks++;  // no taps: one (zero-reading) block keeps the geometry
  const int64_t per_row = std::max<int64_t>(1, std::max(p.nt[0] * j.Cs * nblocks, row_channels)) * p.Wq;
  const int64_t J1 = std::max<int64_t>(1, x.J1);
  p.rows = std::clamp<int64_t>(kSlabBudget / per_row, 1, J1);
  p.chunks = ceil_div(J1, p.rows);
  p.rows = ceil_div(J1, p.chunks);
  p.Hq = p.rows + qh;
  p.blk = p.Hq * p.Wq;
  p.chanS = nblocks * p.blk;
  p.planeS = j.Cs * p.chanS;
  // Pixel vectors of 16: along each output row when the rows are whole vectors' worth (no
  // garbage columns computed), else over the flattened rows (garbage columns are fewer).
  const int64_t per_row_vecs = ceil_div(std::max<int64_t>(1, j.ax[2].J), kPixelAlign);
  const int64_t max_row_vecs = ceil_div(std::max<int64_t>(1, x.J2), kPixelAlign);
  p.rowwise = p.rows * per_row_vecs < ceil_div(p.rows * p.Wq, kPixelAlign);
  p.nvec = p.rowwise ? p.rows * per_row_vecs : ceil_div(p.rows * p.Wq, kPixelAlign);
  p.npix = std::max(round_up(p.rows * p.Wq, kPixelAlign), (p.rows - 1) * p.Wq + max_row_vecs * kPixelAlign);
  // Garbage pixels read past the last block by at most the pixel padding plus a row.
  p.slab = round_up(p.nt[0] * p.planeS + (p.npix - p.rows * p.Wq) + p.Wq + 2 * kPixelAlign, 16);
  p.units = j.ax[0].J * p.chunks;
  return p;
}

Plan make_plan(const Job& j, int64_t row_channels) { return make_plan(j, row_channels, extent_of(j)); }

/// Reduction entries e = (td * C + c) * hw_taps + t_hw: depth taps outermost, so the entries
/// of the depth taps that read an existing plane form one contiguous range (a unit at the
/// volume's front or back skips the padding planes' entries: 2 of 9 on a 3-plane layer);
/// within a depth tap channels outer and H/W taps inner, so consecutive entries read
/// neighbouring slab rows.
std::vector<int64_t> make_xoff(const Job& j, const Plan& p) {
  std::vector<int64_t> xoff(static_cast<size_t>(p.E));
  const int64_t sh = j.ax[1].s_in, sw = j.ax[2].s_in;
  const int64_t nhw = p.nt[1] * p.nt[2];
  for (int64_t td = 0; td < p.nt[0]; ++td)
    for (int64_t th = 0; th < p.nt[1]; ++th)
      for (int64_t tw = 0; tw < p.nt[2]; ++tw) {
        const int64_t rh = j.ax[1].off[th] - p.lo_h, rw = j.ax[2].off[tw] - p.lo_w;
        const int64_t block = p.block_of[static_cast<size_t>((rh % sh) * sw + rw % sw)];
        const int64_t base = td * p.planeS + block * p.blk + (rh / sh) * p.Wq + rw / sw;
        for (int64_t c = 0; c < j.Cs; ++c)
          xoff[static_cast<size_t>((td * j.Cs + c) * nhw + th * p.nt[2] + tw)] = base + c * p.chanS;
      }
  return xoff;
}

/// The entries [e0, e1) of output plane jd whose depth tap reads a plane inside the source
/// (the others read zero padding). Tap offsets are monotonic, so the valid taps are
/// contiguous; none valid gives an empty range.
struct EntryRange {
  int64_t e0 = 0, e1 = 0;
};

EntryRange depth_entries(const Job& j, const Plan& p, int64_t jd) {
  const Axis& a = j.ax[0];
  int64_t lo = p.nt[0], hi = 0;
  for (int64_t td = 0; td < p.nt[0]; ++td) {
    const int64_t sd = jd * a.s_in + a.off[static_cast<size_t>(td)];
    if (sd >= 0 && sd < j.S[0]) {
      lo = std::min(lo, td);
      hi = td + 1;
    }
  }
  if (lo >= hi) return {};
  const int64_t per_tap = j.Cs * p.nt[1] * p.nt[2];
  return {lo * per_tap, hi * per_tap};
}

void strided_copy(const float* src, int64_t step, int64_t n, float* dst);

/// Copies the input rows of unit (jd, rows from jh0) into the slab; `src` is one sample's
/// first reduction channel, channels `cstride` floats apart.
void fill_slab(const Job& j, const Plan& p, const float* src, int64_t cstride, int64_t jd, int64_t jh0, float* slab) {
  const int64_t sh = j.ax[1].s_in, sw = j.ax[2].s_in;
  const int64_t S0 = j.S[0], S1 = j.S[1], S2 = j.S[2];
  const int64_t hb = jh0 * sh + p.lo_h, wb = p.lo_w;
  for (int64_t td = 0; td < p.nt[0]; ++td) {
    const int64_t sd = jd * j.ax[0].s_in + j.ax[0].off[td];
    const bool plane_in = sd >= 0 && sd < S0;
    for (int64_t c = 0; c < j.Cs; ++c) {
      const float* plane = plane_in ? src + c * cstride + sd * S1 * S2 : nullptr;
      for (int64_t ph = 0; ph < sh; ++ph)
        for (int64_t pw = 0; pw < sw; ++pw) {
          const int64_t block = p.block_of[static_cast<size_t>(ph * sw + pw)];
          if (block < 0) continue;
          float* blk = slab + td * p.planeS + c * p.chanS + block * p.blk;
          for (int64_t q = 0; q < p.Hq; ++q) {
            float* row = blk + q * p.Wq;
            const int64_t h = hb + q * sh + ph;
            if (!plane || h < 0 || h >= S1) {
              std::memset(row, 0, sizeof(float) * p.Wq);
              continue;
            }
            const float* srow = plane + h * S2;
            // (Rows of deep layers are a few floats: empty padding runs skip the calls.)
            if (sw == 1) {
              const int64_t a = std::clamp<int64_t>(-wb, 0, p.Wq), b = std::clamp<int64_t>(S2 - wb, a, p.Wq);
              if (a > 0) std::memset(row, 0, sizeof(float) * a);
              std::memcpy(row + a, srow + wb + a, sizeof(float) * (b - a));
              if (b < p.Wq) std::memset(row + b, 0, sizeof(float) * (p.Wq - b));
            } else {
              // Columns qw in [a, b) read w = wb + pw + qw * sw inside the source row.
              const int64_t w0 = wb + pw;
              const int64_t a = std::clamp<int64_t>(ceil_div_any(-w0, sw), 0, p.Wq);
              const int64_t b = std::clamp<int64_t>(ceil_div_any(S2 - w0, sw), a, p.Wq);
              if (a > 0) std::memset(row, 0, sizeof(float) * a);
              const float* sp = srow + w0 + a * sw;
              if (b - a <= 8)  // short rows (4x4 planes): a call per row costs more than the copy
                for (int64_t i = 0; i < b - a; ++i) row[a + i] = sp[i * sw];
              else
                strided_copy(sp, sw, b - a, row + a);
              if (b < p.Wq) std::memset(row + b, 0, sizeof(float) * (p.Wq - b));
            }
          }
        }
    }
  }
  std::memset(slab + p.nt[0] * p.planeS, 0, sizeof(float) * (p.slab - p.nt[0] * p.planeS));
}

void strided_copy(const float* src, int64_t step, int64_t n, float* dst) {
  if (active_isa() == Isa::avx512) strided_copy_avx512(src, step, n, dst);
  else strided_copy_portable(src, step, n, dst);
}

void transpose16(const float* src, int64_t lds, int64_t kn, int64_t wn, float* dst, int64_t ldd) {
  if (active_isa() == Isa::avx512) transpose16_avx512(src, lds, kn, wn, dst, ldd);
  else transpose16_portable(src, lds, kn, wn, dst, ldd);
}

void wgrad_px_kernel(const WgradPxArgs& a) {
  switch (active_isa()) {
    case Isa::avx512: wgrad_px_avx512(a); break;
    case Isa::avx2: wgrad_px_avx2(a); break;
    default: wgrad_px_portable(a);
  }
}

void corr_kernel(const CorrArgs& a) {
  switch (active_isa()) {
    case Isa::avx512: corr_avx512(a); break;
    case Isa::avx2: corr_avx2(a); break;
    default: corr_portable(a);
  }
}

void wgrad_kernel(const WgradArgs& a) {
  switch (active_isa()) {
    case Isa::avx512: wgrad_avx512(a); break;
    case Isa::avx2: wgrad_avx2(a); break;
    default: wgrad_portable(a);
  }
}

/// Packs weights for the correlation kernel: [ceil(Ko/8)][E][8], zero beyond Ko, in
/// make_xoff's entry order. The weight of output channel o, reduction channel c and kernel
/// index (kd, kh, kw) is w[o * so + c * sc + kd * k.h * k.w + kh * k.w + kw].
void pack_corr_weights(const Job& j, const Plan& p, float* out, const float* w, int64_t so, int64_t sc,
                       const std::array<int64_t, 3>& k) {
  // Each entry's offset in w (the reads of one entry run over 8 output channels).
  const int64_t nhw = p.nt[1] * p.nt[2];
  std::vector<int64_t> woff(static_cast<size_t>(p.E));
  for (int64_t td = 0; td < p.nt[0]; ++td)
    for (int64_t c = 0; c < j.Cs; ++c)
      for (int64_t th = 0; th < p.nt[1]; ++th)
        for (int64_t tw = 0; tw < p.nt[2]; ++tw)
          woff[static_cast<size_t>((td * j.Cs + c) * nhw + th * p.nt[2] + tw)] =
              c * sc + (j.ax[0].tap[td] * k[1] + j.ax[1].tap[th]) * k[2] + j.ax[2].tap[tw];
  const int64_t blocks = ceil_div(j.Ko, kOutBlock);
  const int64_t grain = blocks * p.E * kOutBlock < (int64_t(1) << 16) ? blocks : 1;
  parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      float* dst = out + b * p.E * kOutBlock;
      const int64_t mk = std::min(kOutBlock, j.Ko - b * kOutBlock);
      const float* wb = w + b * kOutBlock * so;
      for (int64_t e = 0; e < p.E; ++e) {
        const float* src = wb + woff[static_cast<size_t>(e)];
        float* d = dst + e * kOutBlock;
        for (int64_t m = 0; m < mk; ++m) d[m] = src[m * so];
        for (int64_t m = mk; m < kOutBlock; ++m) d[m] = 0.f;
      }
    }
  });
}

int64_t corr_weights_floats(const Job& j, const Plan& p) { return ceil_div(j.Ko, kOutBlock) * kOutBlock * p.E; }

int64_t pool_slots() { return std::max(1, ThreadPool::global().size()); }

/// Jobs that share one slab per unit: the same source, depth taps, grid rows and reduction
/// channels, different H/W taps and outputs (conv3d's forward is one job; its backward-data
/// has one set per depth phase, holding the H/W stride phases).
struct JobSet {
  std::vector<Job> jobs;
  std::vector<Plan> plans;
};

JobSet make_set(std::vector<Job> jobs) {
  JobSet set;
  Extent x;
  bool have_taps = false;
  for (const Job& j : jobs) {
    if (j.ax[1].J == 0 || j.ax[2].J == 0) continue;  // no outputs in this phase
    set.jobs.push_back(j);
    x.J1 = std::max(x.J1, j.ax[1].J);
    x.J2 = std::max(x.J2, j.ax[2].J);
    if (j.ax[1].off.empty() || j.ax[2].off.empty()) continue;  // writes zeros (or the bias)
    const Extent e = extent_of(j);
    x.lo_h = have_taps ? std::min(x.lo_h, e.lo_h) : e.lo_h;
    x.hi_h = have_taps ? std::max(x.hi_h, e.hi_h) : e.hi_h;
    x.lo_w = have_taps ? std::min(x.lo_w, e.lo_w) : e.lo_w;
    x.hi_w = have_taps ? std::max(x.hi_w, e.hi_w) : e.hi_w;
    have_taps = true;
  }
  for (const Job& j : set.jobs) set.plans.push_back(make_plan(j, j.Ko, x));
  return set;
}

int64_t set_weights_floats(const JobSet& s) {
  int64_t n = 0;
  for (size_t q = 0; q < s.jobs.size(); ++q) n += corr_weights_floats(s.jobs[q], s.plans[q]);
  return n;
}

int64_t set_slot_floats(const JobSet& s) {
  if (s.jobs.empty()) return 0;
  int64_t n = s.plans[0].slab;
  for (size_t q = 0; q < s.jobs.size(); ++q) n += s.jobs[q].Ko * s.plans[q].npix;
  return n;
}

/// Runs a job set over N samples: per unit, one slab fill, then every job's kernel and
/// copy-out. `wpacked[q]`: job q's packed weights. Slots come from what the workspace holds.
void run_corr(const JobSet& set, int64_t N, const float* src, int64_t src_n, int64_t src_c,
              const std::vector<const float*>& wpacked, const float* bias, float* dst, int64_t dst_n, int64_t dst_c,
              float* ws, int64_t ws_floats, bool prefilled = false, bool accumulate = false) {
  if (set.jobs.empty() || N == 0 || set.jobs[0].ax[0].J == 0) return;
  const Job& j0 = set.jobs[0];
  const Plan& p0 = set.plans[0];
  const size_t nj = set.jobs.size();
  // `prefilled`: dst already holds the bias (or zeros), so jobs with no taps have nothing to do.
  // `accumulate`: the result is added to dst (dst += conv) instead of overwriting it; each
  // element is computed in full first and added once, so the sum is the same as adding a
  // separately computed result.
  if (prefilled && std::all_of(set.plans.begin(), set.plans.end(), [](const Plan& p) { return p.E == 0; })) return;
  std::vector<std::vector<int64_t>> xoff(nj), voff(nj);
  int64_t fmas = 0;
  for (size_t q = 0; q < nj; ++q) {
    xoff[q] = make_xoff(set.jobs[q], set.plans[q]);
    voff[q] = make_voff(set.plans[q], set.jobs[q].ax[2].J);
    fmas += N * p0.units * p0.rows * set.jobs[q].ax[2].J * set.plans[q].E * j0.Ko;
  }
  // A pointwise job over whole source planes (a 1x1x1 conv with stride 1 in H and W: its
  // backward-data, a head's forward), one row chunk per plane and a whole number of pixel
  // vectors, reads the source in place: its slab would be an exact copy.
  size_t live = 0, ql = 0;
  for (size_t q = 0; q < nj; ++q)
    if (!(prefilled && set.plans[q].E == 0)) ++live, ql = q;
  const bool zero_copy = [&] {
    if (live != 1) return false;
    const Job& j = set.jobs[ql];
    const Plan& p = set.plans[ql];
    return p.nt[0] == 1 && p.nt[1] == 1 && p.nt[2] == 1 && j.ax[0].off[0] == 0 &&
           (j.ax[0].J - 1) * j.ax[0].s_in < j.S[0] && j.ax[1].s_in == 1 && j.ax[2].s_in == 1 && j.ax[1].off[0] == 0 &&
           j.ax[2].off[0] == 0 && p.chunks == 1 && j.ax[1].J == j.S[1] && j.ax[2].J == j.S[2] && p.Wq == j.S[2] &&
           !p.rowwise && p.nvec * kPixelAlign == p.rows * p.Wq;
  }();
  if (zero_copy)
    for (int64_t c = 0; c < set.jobs[ql].Cs; ++c) xoff[ql][static_cast<size_t>(c)] = c * src_c;
  const int64_t per_slot = set_slot_floats(set);
  const int64_t kblocks = ceil_div(j0.Ko, kOutBlock);
  const int64_t kgroups = std::clamp<int64_t>(ceil_div(kMinUnits, N * p0.units), 1, kblocks);
  const int64_t total = N * p0.units * kgroups;
  const int64_t slots = fmas < kMinParallelFmas
                            ? 1
                            : std::clamp<int64_t>(ws_floats / per_slot, 1, std::min<int64_t>(total, pool_slots()));
  const int64_t T1 = j0.T[1], T2 = j0.T[2];
  const Axis& A0 = j0.ax[0];
  std::atomic<int64_t> next{0};
  // Units are handed out dynamically, but each output element is computed by exactly one
  // unit in a fixed order, so the result does not depend on which slot ran it.
  ThreadPool::global().run(slots, [&](int64_t slot, int) {
    float* slab = ws + slot * per_slot;
    int64_t filled = -1;  // the slab this slot holds (units of one position share it)
    for (;;) {
      const int64_t u = next.fetch_add(1, std::memory_order_relaxed);
      if (u >= total) break;
      const int64_t pos = u / kgroups, kg = u % kgroups;
      const int64_t n = pos / p0.units, r = pos % p0.units, jd = r / p0.chunks, jh0 = (r % p0.chunks) * p0.rows;
      const float* xs = slab;
      if (zero_copy) xs = src + n * src_n + jd * set.jobs[ql].ax[0].s_in * j0.S[1] * j0.S[2];
      else if (filled != pos) fill_slab(j0, p0, src + n * src_n, src_c, jd, jh0, slab);
      filled = pos;
      const int64_t kb0 = kg * kblocks / kgroups, kb1 = (kg + 1) * kblocks / kgroups;
      const int64_t o0 = kb0 * kOutBlock, o1 = std::min(j0.Ko, kb1 * kOutBlock);
      const int64_t d = A0.o_phase + A0.o_step * jd;
      float* ybuf = slab + p0.slab;
      for (size_t q = 0; q < nj; ++q) {
        const Job& j = set.jobs[q];
        const Plan& p = set.plans[q];
        const Axis &A1 = j.ax[1], &A2 = j.ax[2];
        if (prefilled && p.E == 0) {
          ybuf += j.Ko * p.npix;
          continue;
        }
        const EntryRange er = depth_entries(j, p, jd);
        const int64_t nrows = std::min(p.rows, A1.J - jh0);
        // Rows with no halo columns that land on consecutive output rows (a 1x1x1 conv, or a
        // phase job of full-width rows): one copy per channel; and when the unit's pixels are
        // whole vectors, no copy: the kernel writes straight into dst.
        const bool whole = A1.o_step == 1 && A2.o_step == 1 && A2.o_phase == 0 && p.Wq == A2.J && T2 == A2.J;
        float* out0 = dst + n * dst_n + o0 * dst_c + (d * T1 + A1.o_phase + jh0) * T2;
        const bool direct = !accumulate && whole && nrows * p.Wq == p.nvec * kPixelAlign && !p.rowwise;
        corr_kernel(CorrArgs{xs, xoff[q].data() + er.e0, er.e1 - er.e0,
                             wpacked[q] + kb0 * p.E * kOutBlock + er.e0 * kOutBlock, p.E * kOutBlock,
                             bias ? bias + o0 : nullptr, o1 - o0, direct ? out0 : ybuf + o0 * p.npix,
                             direct ? dst_c : p.npix, voff[q].data(), p.nvec});
        if (direct) {
          ybuf += j.Ko * p.npix;
          continue;
        }
        // The H/W phases of a set write interleaved columns of the same rows one after the
        // other, so the strided stores of the second land in lines the first just wrote.
        for (int64_t o = o0; o < o1; ++o)
          for (int64_t i = 0; i < nrows; i += whole ? nrows : 1) {
            const float* b = ybuf + o * p.npix + i * p.Wq;
            float* out = dst + n * dst_n + o * dst_c + (d * T1 + A1.o_phase + A1.o_step * (jh0 + i)) * T2 + A2.o_phase;
            if (accumulate) {
              const int64_t len = whole ? A2.J * nrows : A2.J;
              for (int64_t w = 0; w < len; ++w) out[w * (whole ? 1 : A2.o_step)] += b[w];
            } else if (whole) std::memcpy(out, b, sizeof(float) * A2.J * nrows);
            else if (A2.o_step == 1) std::memcpy(out, b, sizeof(float) * A2.J);
            else if (active_isa() == Isa::avx512)
              strided_store_avx512(b, A2.J, A2.o_step, out);
            else
              for (int64_t w = 0; w < A2.J; ++w) out[w * A2.o_step] = b[w];
          }
        ybuf += j.Ko * p.npix;
      }
    }
  });
}

Job forward_job(const Geometry& g) {
  Job j;
  j.Cs = g.C / g.groups;
  j.Ko = g.K / g.groups;
  j.S = g.in;
  j.T = g.out;
  for (int a = 0; a < 3; ++a) {
    Axis& x = j.ax[a];
    x.J = g.out[a];
    x.s_in = g.s[a];
    for (int64_t r = 0; r < g.k[a]; ++r) {
      x.off.push_back(r * g.d[a] - g.p[a]);
      x.tap.push_back(r);
    }
  }
  return j;
}

/// The job computing the input gradient at positions ph + s * j (per axis).
Job backward_data_job(const Geometry& g, const std::array<int64_t, 3>& ph) {
  Job j;
  j.Cs = g.K / g.groups;
  j.Ko = g.C / g.groups;
  j.S = g.out;
  j.T = g.in;
  for (int a = 0; a < 3; ++a) {
    Axis& x = j.ax[a];
    x.J = g.in[a] > ph[a] ? ceil_div(g.in[a] - ph[a], g.s[a]) : 0;
    x.s_in = 1;
    x.o_phase = ph[a];
    x.o_step = g.s[a];
    for (int64_t r = 0; r < g.k[a]; ++r) {
      const int64_t t = ph[a] + g.p[a] - r * g.d[a];
      if (t - floor_div(t, g.s[a]) * g.s[a] != 0) continue;
      x.off.push_back(floor_div(t, g.s[a]));
      x.tap.push_back(r);
    }
  }
  return j;
}

int64_t spatial(const std::array<int64_t, 3>& v) { return v[0] * v[1] * v[2]; }
int64_t taps(const Geometry& g) { return g.k[0] * g.k[1] * g.k[2]; }

int64_t corr_workspace(const JobSet& set) {
  if (set.jobs.empty()) return 0;
  const int64_t units = std::max<int64_t>(1, set.plans[0].units);
  return set_weights_floats(set) + std::min(units, pool_slots()) * set_slot_floats(set);
}

/// backward-data's job sets: one per depth phase, holding its H/W stride phases.
std::vector<JobSet> backward_data_sets(const Geometry& g) {
  std::vector<JobSet> sets;
  for (int64_t pd = 0; pd < g.s[0]; ++pd) {
    std::vector<Job> jobs;
    for (int64_t ph = 0; ph < g.s[1]; ++ph)
      for (int64_t pw = 0; pw < g.s[2]; ++pw) jobs.push_back(backward_data_job(g, {pd, ph, pw}));
    if (jobs[0].ax[0].J > 0) sets.push_back(make_set(std::move(jobs)));
  }
  return sets;
}

/// Weight-gradient job sizes. Two ways to split the work, chosen by the problem size alone:
///  - `units`: kWgradGroups task groups each sum a fixed range of units into their own partial
///    [E][Kpad], reduced in group order afterwards (small weights, many pixels);
///  - `entries`: one task per thread owns a range of reduction entries e and sums every unit
///    for them in order (large weights: 8 partial copies would cost more than the work).
/// Either way each weight's sum runs in a fixed order: the thread count never changes a bit.
struct WgradPlan {
  Plan p;
  bool by_units = true;
  int64_t Kpad = 0, dyT = 0, partial = 0, per_task = 0, tasks = 1;
  /// Pixel-vectorised path (few output channels): a unit's gradient rows are copied to the
  /// task's dyT area, channel k at k * pxStride, when pxPack (see px_channel_stride).
  bool pxPack = false;
  int64_t pxStride = 0;
};

/// The pixel-vectorised kernel reads one vector from each of up to kPxMaxK gradient channels
/// per step. In place they lie a whole channel apart, and a channel of a power-of-two volume is
/// a multiple of 4 KiB: every channel's vector then maps to the same L1 set, and with the
/// input rows they read beside them they overflow its ways (measured: the same backward-weight
/// call 75 or 124 us by where the arrays happen to lie). Copied at this stride, channel k
/// starts k cache lines into the 4 KiB period, so the channels use different sets.
int64_t px_channel_stride(int64_t unit_floats) { return round_up(unit_floats, 1024) + 16; }

/// Copying pays where the kernel reads the gradient rows many times: once per NE entries.
constexpr int64_t kPxPackMinEntries = 8;

/// Partial sums at most this large (floats) are split by units.
constexpr int64_t kUnitSplitMaxPartial = int64_t(1) << 18;

WgradPlan make_wgrad_plan(const Job& j, int64_t N, int64_t threads) {
  WgradPlan w;
  w.Kpad = round_up(j.Ko, kGradBlock);
  w.p = make_plan(j, w.Kpad);
  w.dyT = w.p.npix * w.Kpad;
  if (j.Ko <= kPxMaxK) {
    w.pxPack = j.Ko > 1 && w.p.E >= kPxPackMinEntries;
    w.pxStride = px_channel_stride(w.p.rows * j.ax[2].J);
    if (w.pxPack) w.dyT = std::max(w.dyT, j.Ko * w.pxStride);
  }
  w.partial = w.p.E * w.Kpad;
  w.by_units = w.partial <= kUnitSplitMaxPartial;
  if (w.by_units) {
    w.per_task = w.p.slab + w.dyT + w.partial;
    // Fixed by the problem alone: at most kWgradGroups, fewer for little work.
    const int64_t fmas = N * w.p.units * w.p.rows * j.ax[2].J * w.partial;
    w.tasks = std::clamp<int64_t>(std::min(N * w.p.units, fmas / kMinParallelFmas), 1, kWgradGroups);
  } else {
    w.per_task = w.p.slab + w.dyT;
    w.tasks = std::clamp<int64_t>(threads, 1, std::max<int64_t>(1, w.p.E));
  }
  return w;
}

int64_t wgrad_workspace(const WgradPlan& w) { return w.tasks * w.per_task + (w.by_units ? 0 : w.partial); }

}  // namespace

int64_t forward_workspace(const Geometry& g) { return corr_workspace(make_set({forward_job(g)})); }

int64_t backward_data_workspace(const Geometry& g) {
  int64_t most = 0;
  for (const JobSet& set : backward_data_sets(g)) most = std::max(most, corr_workspace(set));
  return most;
}

int64_t backward_weight_workspace(const Geometry& g) {
  return wgrad_workspace(make_wgrad_plan(forward_job(g), g.N, pool_slots()));
}

void forward(const Geometry& g, const float* x, const float* w, const float* b, float* y, Workspace ws, bool accumulate) {
  const JobSet set = make_set({forward_job(g)});
  if (set.jobs.empty()) return;
  const Job& j = set.jobs[0];
  const Plan& p = set.plans[0];
  const int64_t Cg = j.Cs, Kg = j.Ko, tp = taps(g);
  const int64_t in_sp = spatial(g.in), out_sp = spatial(g.out);
  const int64_t wfl = set_weights_floats(set);
  for (int64_t gr = 0; gr < g.groups; ++gr) {
    const float* wg = w + gr * Kg * Cg * tp;
    pack_corr_weights(j, p, ws.data, wg, Cg * tp, tp, g.k);
    run_corr(set, g.N, x + gr * Cg * in_sp, g.C * in_sp, in_sp, {ws.data}, b ? b + gr * Kg : nullptr,
             y + gr * Kg * out_sp, g.K * out_sp, out_sp, ws.data + wfl, ws.floats - wfl, false, accumulate);
  }
}

void backward_data(const Geometry& g, const float* dy, const float* w, const float* b, float* dx, Workspace ws,
                   bool accumulate) {
  const int64_t Cg = g.C / g.groups, Kg = g.K / g.groups, tp = taps(g);
  const int64_t in_sp = spatial(g.in), out_sp = spatial(g.out);
  const std::vector<JobSet> sets = backward_data_sets(g);
  // Stride phases no tap reaches (a strided 1x1x1 conv: 7 of 8) get only the bias: fill dx
  // with it at memory speed up front rather than run those phase jobs through the slabs (when
  // accumulating with no bias, they add nothing: dx already holds what they leave).
  bool prefill = false;
  for (const JobSet& set : sets)
    for (const Plan& p : set.plans) prefill = prefill || p.E == 0;
  if (accumulate && b) fail(ErrorKind::Runtime, "conv backward_data", "accumulating into dx with a bias is not supported");
  if (prefill && !accumulate)
    parallel_for(g.N * g.C, std::max<int64_t>(1, (int64_t(1) << 18) / std::max<int64_t>(1, in_sp)),
                 [&](int64_t r0, int64_t r1) {
                   if (!b) std::memset(dx + r0 * in_sp, 0, sizeof(float) * (r1 - r0) * in_sp);
                   else
                     for (int64_t r = r0; r < r1; ++r) std::fill_n(dx + r * in_sp, in_sp, b[r % g.C]);
                 });
  for (const JobSet& set : sets) {
    const int64_t wfl = set_weights_floats(set);
    for (int64_t gr = 0; gr < g.groups; ++gr) {
      const float* wg = w + gr * Kg * Cg * tp;
      std::vector<const float*> packed;
      float* at = ws.data;
      for (size_t q = 0; q < set.jobs.size(); ++q) {
        // dx's channel c is the job's output, dy's channel k its reduction channel.
        pack_corr_weights(set.jobs[q], set.plans[q], at, wg, tp, Cg * tp, g.k);
        packed.push_back(at);
        at += corr_weights_floats(set.jobs[q], set.plans[q]);
      }
      run_corr(set, g.N, dy + gr * Kg * out_sp, g.K * out_sp, out_sp, packed, b ? b + gr * Cg : nullptr,
               dx + gr * Cg * in_sp, g.C * in_sp, in_sp, ws.data + wfl, ws.floats - wfl, prefill, accumulate);
    }
  }
}

void backward_weight(const Geometry& g, const float* x, const float* dy, float* dw, Workspace ws) {
  const Job j = forward_job(g);
  const int64_t Cg = j.Cs, Kg = j.Ko, tp = taps(g);
  const int64_t in_sp = spatial(g.in), out_sp = spatial(g.out);
  const int64_t wsize = Kg * Cg * tp;
  if (g.N == 0 || out_sp == 0) {
    std::memset(dw, 0, sizeof(float) * wsize * g.groups);
    return;
  }
  // The plan the workspace was sized for, with no more tasks than it holds.
  WgradPlan wp = make_wgrad_plan(j, g.N, pool_slots());
  if (!wp.by_units)
    wp.tasks = std::clamp<int64_t>((ws.floats - wp.partial) / wp.per_task, 1, wp.tasks);
  const Plan& p = wp.p;
  const std::vector<int64_t> xoff = make_xoff(j, p);
  const int64_t total = g.N * p.units;
  const Axis &A1 = j.ax[1], &A2 = j.ax[2];
  float* shared_partial = ws.data + wp.tasks * wp.per_task;
  // Up to kPxMaxK output channels, most lanes of a channel vector would idle: the pixel-
  // vectorised kernel instead.
  const bool px = Kg <= kPxMaxK;
  for (int64_t gr = 0; gr < g.groups; ++gr) {
    const float* xg = x + gr * Cg * in_sp;
    const float* dyg = dy + gr * Kg * out_sp;
    ThreadPool::global().run(wp.tasks, [&](int64_t task, int) {
      float* slab = ws.data + task * wp.per_task;
      float* dyT = slab + p.slab;
      // By units: this task's units, all entries, into its own partial. By entries: all
      // units, this task's entries, into its rows of the one partial.
      const int64_t u0 = wp.by_units ? task * total / wp.tasks : 0;
      const int64_t u1 = wp.by_units ? (task + 1) * total / wp.tasks : total;
      const int64_t e0 = wp.by_units ? 0 : task * p.E / wp.tasks;
      const int64_t e1 = wp.by_units ? p.E : (task + 1) * p.E / wp.tasks;
      float* part = wp.by_units ? dyT + wp.dyT : shared_partial;
      std::memset(part + e0 * wp.Kpad, 0, sizeof(float) * (e1 - e0) * wp.Kpad);
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t n = u / p.units, r = u % p.units, jd = r / p.chunks, jh0 = (r % p.chunks) * p.rows;
        const int64_t nrows = std::min(p.rows, A1.J - jh0);
        fill_slab(j, p, xg + n * g.C * in_sp, in_sp, jd, jh0, slab);
        // Entries whose depth tap reads a padding plane add nothing: skipped (see depth_entries).
        const EntryRange er = depth_entries(j, p, jd);
        const int64_t ea = std::max(e0, er.e0), eb = std::max(ea, std::min(e1, er.e1));
        const float* dyu = dyg + n * g.K * out_sp + (jd * A1.J + jh0) * A2.J;
        if (px) {
          // Few output channels: vectorised along pixels, reading dy in place, or its copy at
          // a stride that spreads the channels over the cache's sets (WgradPlan::pxPack).
          if (ea >= eb) continue;
          const float* dyk = dyu;
          int64_t kstride = out_sp;
          if (wp.pxPack) {
            for (int64_t k = 0; k < Kg; ++k)
              std::memcpy(dyT + k * wp.pxStride, dyu + k * out_sp, sizeof(float) * nrows * A2.J);
            dyk = dyT;
            kstride = wp.pxStride;
          }
          wgrad_px_kernel(WgradPxArgs{slab, xoff.data() + ea, eb - ea, dyk, kstride, A2.J, Kg, nrows, A2.J, p.Wq,
                                      part + ea * wp.Kpad, wp.Kpad});
          continue;
        }
        // dyT[i * Wq + w][k]: written at every pixel the kernel reads (rows < nrows, columns
        // < J), channels beyond Kg as zeros, so no clearing is needed.
        for (int64_t k0 = 0; k0 < wp.Kpad; k0 += kGradBlock)
          for (int64_t i = 0; i < nrows; ++i) {
            const float* src = dyu + k0 * out_sp + i * A2.J;
            for (int64_t w0 = 0; w0 < A2.J; w0 += 16)
              transpose16(src + w0, out_sp, std::clamp<int64_t>(Kg - k0, 0, 16), std::min<int64_t>(16, A2.J - w0),
                          dyT + (i * p.Wq + w0) * wp.Kpad + k0, wp.Kpad);
          }
        if (ea < eb) wgrad_kernel(WgradArgs{slab, xoff.data() + ea, eb - ea, dyT, wp.Kpad, nrows, A2.J, p.Wq, part + ea * wp.Kpad});
      }
    });
    // Sum the partials in task order (one partial when split by entries), straight into
    // PyTorch's weight layout.
    const int64_t nparts = wp.by_units ? wp.tasks : 1;
    float* dwg = dw + gr * wsize;
    // The job has every tap in kernel order, so PyTorch's [C][kD][kH][kW] index
    // te = c * taps + td * hw_taps + t_hw is entry e = (td * C + c) * hw_taps + t_hw, and
    // dw[k][te] = sum of partial[e][k]. Blocks of 16 consecutive te (gathering their entries'
    // rows) x 16 channels are summed in task order, then transposed in registers, so both
    // reads and writes run along whole cache lines.
    const int64_t nhw = p.nt[1] * p.nt[2];
    auto entry_of = [&](int64_t te) {
      const int64_t thw = te % nhw, ct = te / nhw, td = ct % p.nt[0], c = ct / p.nt[0];
      return (td * Cg + c) * nhw + thw;
    };
    auto part_row = [&](int64_t q, int64_t e) {
      return (wp.by_units ? ws.data + q * wp.per_task + p.slab + wp.dyT : shared_partial) + e * wp.Kpad;
    };
    parallel_for(ceil_div(p.E, 16), std::max<int64_t>(1, 4096 / (nparts * wp.Kpad)), [&](int64_t b0, int64_t b1) {
      alignas(64) float tile[16][16];
      for (int64_t tb = b0; tb < b1; ++tb) {
        const int64_t te0 = tb * 16, tn = std::min<int64_t>(16, p.E - te0);
        for (int64_t k0 = 0; k0 < Kg; k0 += 16) {
          const int64_t kn = std::min<int64_t>(16, Kg - k0);
          for (int64_t t = 0; t < tn; ++t) {
            const int64_t e = entry_of(te0 + t);
            float* row = tile[t];
            for (int k = 0; k < 16; ++k) row[k] = 0.f;
            for (int64_t q = 0; q < nparts; ++q) {
              const float* pr = part_row(q, e) + k0;  // Kpad is a multiple of 16: 16 readable
              for (int k = 0; k < 16; ++k) row[k] += pr[k];
            }
          }
          if (tn == 16) {
            transpose16(&tile[0][0], 16, 16, kn, dwg + k0 * p.E + te0, p.E);
          } else {
            for (int64_t k = 0; k < kn; ++k)
              for (int64_t t = 0; t < tn; ++t) dwg[(k0 + k) * p.E + te0 + t] = tile[t][k];
          }
        }
      }
    });
  }
}

void channel_sums(int64_t N, int64_t K, int64_t sp, const float* t, float* db) {
  // At least 2^17 floats per task: a thread wake-up costs more than summing fewer.
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 17) / std::max<int64_t>(1, N * sp));
  parallel_for(K, grain, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      // 16 running sums (element i of a row goes to sum i % 16), combined pairwise at the
      // end: a fixed order, and 16 independent additions in flight instead of one chain.
      constexpr int64_t kLanes = 16;
      double s[kLanes] = {};
      for (int64_t n = 0; n < N; ++n) {
        const float* row = t + (n * K + k) * sp;
        if (active_isa() == Isa::avx512) sum16_avx512(row, sp, s);
        else sum16_portable(row, sp, s);
      }
      for (int64_t w = kLanes / 2; w > 0; w /= 2)
        for (int64_t l = 0; l < w; ++l) s[l] += s[l + w];
      db[k] = static_cast<float>(s[0]);
    }
  });
}

}  // namespace deepsc::cpu::conv
