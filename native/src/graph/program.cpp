// Forward lowering, pruning and liveness. The backward derivation is in backward.cpp,
// recomputation in recompute.cpp, in-place planning in in_place.cpp.
#include <algorithm>

#include "graph/program.h"

#include "graph/cheap_recompute.h"

namespace deepsc::graph {

int add_buffer(Program& p, int64_t floats, Place place, std::string what, int leaf) {
  Buffer b;
  b.floats = floats;
  b.place = place;
  b.leaf = leaf;
  b.what = std::move(what);
  p.buffers.push_back(std::move(b));
  return static_cast<int>(p.buffers.size() - 1);
}

Program build_program(const Graph& g, const BuildOptions& opt) {
  const auto& values = g.values();
  const auto& nodes = g.nodes();
  Program p;
  p.backward_order = opt.backward_order;
  p.recompute_cheap = opt.recompute_cheap && opt.backward;
  p.value_buf.assign(values.size(), -1);
  p.grad_buf.assign(values.size(), -1);

  // Values that must be computed: outputs, the loss and seeded outputs, and, transitively,
  // the inputs of the nodes that produce them.
  std::vector<bool> value_needed(values.size(), false);
  for (const auto& [_, v] : g.outputs()) value_needed[static_cast<size_t>(v)] = true;
  if (g.loss() >= 0) value_needed[static_cast<size_t>(g.loss())] = true;
  for (int v : opt.seed_outputs) value_needed[static_cast<size_t>(v)] = true;
  std::vector<bool> node_needed(nodes.size(), false);
  for (size_t n = nodes.size(); n-- > 0;) {
    bool any = false;
    for (int o : nodes[n].outputs) any = any || value_needed[static_cast<size_t>(o)];
    if (!any) continue;
    node_needed[n] = true;
    for (int i : nodes[n].inputs)
      if (i >= 0) value_needed[static_cast<size_t>(i)] = true;
  }

  // Every leaf gets a buffer (inputs may be fed even when unused); node outputs only when needed.
  for (size_t v = 0; v < values.size(); ++v) {
    const Value& val = values[v];
    const int64_t n = val.shape.size();
    if (val.kind == ValueKind::input) {
      p.value_buf[v] = add_buffer(p, n, Place::arena, g.describe(static_cast<int>(v)));
      p.buffers.back().fed = true;
    }
    else if (val.kind != ValueKind::node)
      p.value_buf[v] = add_buffer(p, n, Place::persistent, g.describe(static_cast<int>(v)), static_cast<int>(v));
  }
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (!node_needed[n]) continue;
    const Node& node = nodes[n];
    Step s;
    s.kind = StepKind::forward;
    s.node = static_cast<int>(n);
    std::vector<Shape> in_shapes;
    for (int i : node.inputs) {
      s.in.push_back(i >= 0 ? p.value_buf[static_cast<size_t>(i)] : -1);
      in_shapes.push_back(i >= 0 ? values[static_cast<size_t>(i)].shape : Shape{});
    }
    for (int o : node.outputs) {
      p.value_buf[static_cast<size_t>(o)] =
          add_buffer(p, values[static_cast<size_t>(o)].shape.size(), Place::arena, g.describe(o));
      s.out.push_back(p.value_buf[static_cast<size_t>(o)]);
    }
    const int64_t ws = workspace_floats(node.op, in_shapes, Pass::forward);
    if (ws > 0) s.workspace = add_buffer(p, ws, Place::arena, "forward workspace of node '" + node.name + "'");
    p.steps.push_back(std::move(s));
  }
  p.forward_steps = static_cast<int>(p.steps.size());

  if (opt.backward) add_backward(g, opt, node_needed, p);

  // Outputs are copied out after the call that computes them returns, and gradients are read
  // by the optimizer step and by gradient(): all of them live to the end of the program.
  std::vector<int> keep;
  for (const auto& [_, v] : g.outputs()) keep.push_back(p.value_buf[static_cast<size_t>(v)]);
  if (g.loss() >= 0) keep.push_back(p.value_buf[static_cast<size_t>(g.loss())]);
  for (size_t v = 0; v < values.size(); ++v) {
    const ValueKind k = values[v].kind;
    if ((k == ValueKind::parameter || k == ValueKind::input) && p.grad_buf[v] >= 0) keep.push_back(p.grad_buf[v]);
  }
  p.keep = keep;
  std::vector<std::vector<int>> cheap;
  if (opt.backward && opt.recompute_cheap) {
    compute_liveness(p, keep);  // what is live anyway when a cheap value is read again
    cheap = cheap_recompute_sets(g, p);
  }
  if (opt.backward && (!opt.recompute.empty() || !cheap.empty())) add_recompute(g, opt.recompute, cheap, p);
  compute_liveness(p, keep);
  if (opt.in_place) {
    plan_in_place(g, p);
    plan_concat_in_place(g, p);
    plan_grad_in_place(g, p);
  }
  return p;
}

void compute_liveness(Program& p, const std::vector<int>& keep) {
  const int steps = static_cast<int>(p.steps.size());
  auto touch = [&](int b, int s) {
    if (b < 0) return;
    Buffer& buf = p.buffers[static_cast<size_t>(b)];
    buf.first = std::min(buf.first, s);
    buf.last = std::max(buf.last, s);
  };
  for (Buffer& buf : p.buffers) {
    buf.first = INT_MAX;
    buf.last = -1;
  }
  for (int s = 0; s < steps; ++s) {
    const Step& st = p.steps[static_cast<size_t>(s)];
    // A backward step keeps alive only what its kernel reads (the op's declared needs).
    for (size_t i = 0; i < st.in.size(); ++i)
      if (st.reads_in.empty() || st.reads_in[i]) touch(st.in[i], s);
    for (size_t k = 0; k < st.out.size(); ++k)
      if (st.reads_out.empty() || st.reads_out[k]) touch(st.out[k], s);
    for (int b : st.grad_out) touch(b, s);
    for (int b : st.grad_in) touch(b, s);
    for (int b : st.zero) touch(b, s);
    touch(st.workspace, s);
    touch(st.dst, s);
    touch(st.src, s);
  }
  for (Buffer& buf : p.buffers)
    if (buf.fed) buf.first = 0;
  const int end = std::max(steps - 1, 0);
  for (int b : keep) {
    if (b < 0) continue;
    Buffer& buf = p.buffers[static_cast<size_t>(b)];
    buf.first = std::min(buf.first, end);
    buf.last = end;
  }
  for (Buffer& buf : p.buffers)
    if (buf.last < 0 && buf.alias_of < 0) {  // never touched (an unused input): give it a slot at step 0
      buf.first = 0;
      buf.last = 0;
    }
}

}  // namespace deepsc::graph
