// In-place planning: an elementwise forward (relu after a norm, a residual add, scale) writes
// its output over an input whose last use is that very step, so the two values share one
// buffer. Decided here, from liveness, never by the model: the input must not be read by any
// later step (a backward that reads it, another consumer, a recomputed segment), must not be
// fed from outside or kept to the end, and must have the output's shape.
#include <algorithm>

#include "deepsc/backward_reads.h"
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

}  // namespace deepsc::graph
