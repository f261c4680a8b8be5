// In-place planning, decided here from liveness and the ops' declared properties
// (deepsc/backward_reads.h), never by the model.
//
// Forward: an elementwise forward (relu after a norm, a residual add, scale) writes its output
// over an input whose last use is that very step, so the two values share one buffer. The
// input must not be read by any later step (a backward that reads it, another consumer, a
// recomputed segment), must not be fed from outside or kept to the end, and must have the
// output's shape.
//
// Concat: with one row (every dimension before the axis is 1) each input is one contiguous
// block of the output, so its producer can write it there directly: the input's buffer becomes
// a view of the output's (`alias_offset`) and the concat copies nothing for it. Only where no
// step writes the input after the concat, no consumer runs in place over the output, and the
// block starts arena-aligned. Skip connections and stem branches then take no memory of their
// own beside the concatenation that holds them anyway.
//
// Backward: an elementwise backward (relu, sigmoid, leaky_relu, mul_scalar, scale) writes its
// input gradient over its output gradient when nothing reads that output gradient afterwards;
// an add's gradient is its output gradient, passed through to both operands without a copy.
// This covers second gradient contributions too: their temporary is written over the output
// gradient instead of a buffer of its own. Gradients that then share memory while both are
// still read must never be written again (an accumulation into one would change the other).
#include <algorithm>
#include <variant>

#include "deepsc/backward_reads.h"
#include "graph/planner.h"
#include "graph/program.h"

namespace deepsc::graph {

namespace {

// Points every reference to buffer `from` at `to` and records the alias.
void alias_buffer(Program& p, int from, int to) {
  auto swap = [&](int& b) {
    if (b == from) b = to;
  };
  for (Step& st : p.steps) {
    for (int& b : st.in) swap(b);
    for (int& b : st.out) swap(b);
    for (int& b : st.grad_out) swap(b);
    for (int& b : st.grad_in) swap(b);
    for (int& b : st.zero) swap(b);
    swap(st.workspace);
    swap(st.dst);
    swap(st.src);
  }
  for (int& b : p.value_buf) swap(b);
  for (int& b : p.grad_buf) swap(b);
  for (int& b : p.keep) swap(b);
  Buffer& f = p.buffers[static_cast<size_t>(from)];
  Buffer& t = p.buffers[static_cast<size_t>(to)];
  t.first = std::min(t.first, f.first);
  t.last = std::max(t.last, f.last);
  t.what += " (in place: also " + f.what + ")";
  f.alias_of = to;
}

}  // namespace

void plan_in_place(const Graph& g, Program& p) {
  const auto& nodes = g.nodes();
  const auto& values = g.values();
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const Step& st = p.steps[s];
    if (st.kind != StepKind::forward || st.out.size() != 1) continue;
    const Node& node = nodes[static_cast<size_t>(st.node)];
    const int out = st.out[0];
    if (out < 0 || p.buffers[static_cast<size_t>(out)].place != Place::arena) continue;
    if (std::find(p.keep.begin(), p.keep.end(), out) != p.keep.end()) continue;  // not needed, but keeps reports simple
    const Shape& out_shape = values[static_cast<size_t>(node.outputs[0])].shape;
    for (size_t i = 0; i < st.in.size(); ++i) {
      const int b = st.in[i];
      if (b < 0 || !forward_in_place_ok(node.op, i)) continue;
      const Buffer& buf = p.buffers[static_cast<size_t>(b)];
      if (buf.place != Place::arena || buf.fed || buf.alias_of >= 0) continue;
      if (buf.last != static_cast<int>(s)) continue;  // read later (or kept): must stay intact
      if (std::find(p.keep.begin(), p.keep.end(), b) != p.keep.end()) continue;
      if (std::count(st.in.begin(), st.in.end(), b) > 1) continue;  // add(x, x)
      if (values[static_cast<size_t>(node.inputs[i])].shape != out_shape) continue;
      p.in_place.push_back({st.node, static_cast<int>(i), p.buffers[static_cast<size_t>(out)].floats});
      alias_buffer(p, out, b);
      break;
    }
  }
}

void plan_concat_in_place(const Graph& g, Program& p) {
  const auto& nodes = g.nodes();
  const auto& values = g.values();
  const size_t nb = p.buffers.size();
  // The last step writing each buffer (after forward in-place planning: an in-place successor
  // writes its input's buffer), and whether another buffer is planned in place over it.
  std::vector<int> last_write(nb, -1);
  std::vector<bool> has_alias(nb, false);
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const Step& st = p.steps[s];
    if (st.kind == StepKind::forward)
      for (int b : st.out)
        if (b >= 0) last_write[static_cast<size_t>(b)] = std::max(last_write[static_cast<size_t>(b)], static_cast<int>(s));
  }
  for (const Buffer& b : p.buffers)
    if (b.alias_of >= 0) has_alias[static_cast<size_t>(b.alias_of)] = true;
  std::vector<bool> is_kept(nb, false);
  for (int b : p.keep)
    if (b >= 0) is_kept[static_cast<size_t>(b)] = true;

  for (int s = 0; s < p.forward_steps; ++s) {
    const Step& st = p.steps[static_cast<size_t>(s)];
    const Node& node = nodes[static_cast<size_t>(st.node)];
    if (node.op.kind != OpKind::Concat || st.out.size() != 1) continue;
    const int C = st.out[0];
    const size_t c = static_cast<size_t>(C);
    // The output must be written by the concat alone: a consumer running in place over it
    // would overwrite the inputs' values while they may still be read.
    if (C < 0 || p.buffers[c].place != Place::arena || p.buffers[c].alias_of >= 0 || has_alias[c] || last_write[c] != s)
      continue;
    const Shape& out_shape = values[static_cast<size_t>(node.outputs[0])].shape;
    const int64_t axis = std::get<ConcatParams>(node.op.params).axis;
    const int rank = out_shape.rank();
    const int64_t ax = axis < 0 ? axis + rank : axis;
    if (ax < 0 || ax >= rank) continue;
    int64_t outer = 1;
    for (int d = 0; d < static_cast<int>(ax); ++d) outer *= out_shape[d];
    if (outer != 1) continue;  // each input is then one contiguous block of the output
    int64_t at = 0;
    for (size_t i = 0; i < st.in.size(); ++i) {
      const int X = st.in[i];
      const int64_t n = values[static_cast<size_t>(node.inputs[i])].shape.size();
      const int64_t offset = at;
      at += n;
      if (X < 0 || X == C) continue;
      const size_t x = static_cast<size_t>(X);
      const Buffer& buf = p.buffers[x];
      if (buf.place != Place::arena || buf.fed || is_kept[x] || buf.alias_of >= 0 || buf.floats != n) continue;
      if (offset % kArenaAlignFloats != 0) continue;  // keep every buffer's start aligned
      if (std::count(st.in.begin(), st.in.end(), X) > 1) continue;
      if (last_write[x] >= s) continue;  // written again after the concat read it
      if (buf.first > s) continue;       // not computed before the concat (cannot happen in order)
      p.in_place.push_back({st.node, static_cast<int>(i), n});
      Buffer& out = p.buffers[c];
      Buffer& in = p.buffers[x];
      out.first = std::min(out.first, in.first);
      out.last = std::max(out.last, in.last);
      out.what += " (in place: also " + in.what + ")";
      in.alias_of = C;
      in.alias_offset = offset;
    }
  }
}

void plan_grad_in_place(const Graph& g, Program& p) {
  const auto& nodes = g.nodes();
  const auto& values = g.values();
  const size_t nb = p.buffers.size();
  const size_t ns = p.steps.size();
  // Aliasing rewrites the steps' references, so every decision reads these snapshots, taken
  // by original buffer id: liveness, the last step that writes each buffer, each backward
  // step's gradient buffers, and the groups of gradients merged into one buffer (root).
  std::vector<int> first(nb), last(nb), last_write(nb, -1), root(nb);
  std::vector<std::vector<int>> members(nb);
  std::vector<bool> kept(nb, false);
  for (size_t b = 0; b < nb; ++b) {
    first[b] = p.buffers[b].first;
    last[b] = p.buffers[b].last;
    root[b] = static_cast<int>(b);
    members[b] = {static_cast<int>(b)};
  }
  for (int b : p.keep)
    if (b >= 0) kept[static_cast<size_t>(b)] = true;
  auto wrote = [&](int b, int s) {
    if (b >= 0) last_write[static_cast<size_t>(b)] = std::max(last_write[static_cast<size_t>(b)], s);
  };
  std::vector<std::vector<int>> grad_in(ns), grad_out(ns);
  for (size_t s = 0; s < ns; ++s) {
    const Step& st = p.steps[s];
    const int si = static_cast<int>(s);
    if (st.kind == StepKind::forward)
      for (int b : st.out) wrote(b, si);
    for (int b : st.grad_in) wrote(b, si);
    for (int b : st.zero) wrote(b, si);
    wrote(st.dst, si);
    grad_in[s] = st.grad_in;
    grad_out[s] = st.grad_out;
  }

  for (size_t s = static_cast<size_t>(p.forward_steps); s < ns; ++s) {
    const Step& st = p.steps[s];
    const int si = static_cast<int>(s);
    if (st.kind != StepKind::backward || grad_out[s].size() != 1) continue;
    const int B = grad_out[s][0];
    if (B < 0 || p.buffers[static_cast<size_t>(B)].place != Place::arena || kept[static_cast<size_t>(B)] ||
        last[static_cast<size_t>(B)] != si)
      continue;  // the output gradient is read later (or kept): it must stay intact
    const Node& node = nodes[static_cast<size_t>(st.node)];
    const Shape& out_shape = values[static_cast<size_t>(node.outputs[0])].shape;
    const std::vector<int>& gin = grad_in[s];
    for (size_t i = 0; i < gin.size(); ++i) {
      const int X = gin[i];
      if (X < 0 || X == B) continue;
      const GradInPlace how = backward_in_place(node.op.kind, i);
      if (how == GradInPlace::no) continue;
      const size_t x = static_cast<size_t>(X);
      if (p.buffers[x].place != Place::arena || root[x] != X || first[x] != si) continue;  // not a fresh buffer
      if (std::count(gin.begin(), gin.end(), X) > 1) continue;
      if (values[static_cast<size_t>(node.inputs[i])].shape != out_shape) continue;  // broadcast operand
      const int R = root[static_cast<size_t>(B)];
      // Another gradient of the group read at or after this step: only a pass-through (which
      // writes nothing) may join, and only if neither it nor the other is ever written again.
      bool ok = true;
      for (int m : members[static_cast<size_t>(R)]) {
        const size_t mi = static_cast<size_t>(m);
        if (m == B || last[mi] < si) continue;
        ok = ok && how == GradInPlace::pass_through && last_write[mi] <= si && last_write[x] <= si && !kept[mi] &&
             !kept[x];
      }
      if (!ok) continue;
      p.grad_in_place.push_back({st.node, static_cast<int>(i), p.buffers[x].floats});
      alias_buffer(p, X, R);
      root[x] = R;
      members[static_cast<size_t>(R)].push_back(X);
    }
  }
}

}  // namespace deepsc::graph
