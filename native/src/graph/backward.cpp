// Derives the backward pass from the ops' backward kernels. A value gets a gradient when it
// both depends on something that wants one (a trainable parameter, a requested input) and
// leads to a seed (the loss, a seeded output). Nodes run backward in an order where every
// consumer of a value runs before its producer, so a value's gradient is complete before its
// producer reads it: reverse creation order, or the order `BuildOptions::backward_order` picks
// (graph/backward_order.h). The first contribution to a gradient writes its buffer directly
// (kernels overwrite); a later one is added straight into it by a kernel that can
// (graph/accumulate_into.h, BuildOptions::accumulate_into), else goes to a temporary that an
// accumulate step adds in.
#include <algorithm>

#include "deepsc/backward_reads.h"
#include "graph/accumulate_into.h"
#include "graph/backward_order.h"
#include "graph/program.h"

namespace deepsc::graph {

const InputSpec& input_spec(const OpSignature& sig, size_t i) { return sig.inputs[i < sig.inputs.size() ? i : sig.inputs.size() - 1]; }

BackwardNodes backward_nodes(const Graph& g, const BuildOptions& opt, const std::vector<bool>& node_needed) {
  const auto& values = g.values();
  const auto& nodes = g.nodes();
  const size_t nv = values.size();

  std::vector<bool> wants(nv, false);  // depends on something that wants a gradient
  for (size_t v = 0; v < nv; ++v) wants[v] = values[v].kind == ValueKind::parameter && values[v].trainable;
  for (int v : opt.input_grads) wants[static_cast<size_t>(v)] = true;
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (!node_needed[n]) continue;
    const OpSignature& sig = op_signature(nodes[n].op);
    bool any = false;
    for (size_t i = 0; i < nodes[n].inputs.size(); ++i) {
      const int id = nodes[n].inputs[i];
      any = any || (id >= 0 && input_spec(sig, i).differentiable && wants[static_cast<size_t>(id)]);
    }
    for (int o : nodes[n].outputs) wants[static_cast<size_t>(o)] = any;
  }

  std::vector<bool> leads(nv, false);  // reaches a seed through differentiable inputs
  if (g.loss() >= 0) leads[static_cast<size_t>(g.loss())] = true;
  for (int v : opt.seed_outputs) leads[static_cast<size_t>(v)] = true;
  for (size_t n = nodes.size(); n-- > 0;) {
    if (!node_needed[n]) continue;
    bool any = false;
    for (int o : nodes[n].outputs) any = any || leads[static_cast<size_t>(o)];
    if (!any) continue;
    const OpSignature& sig = op_signature(nodes[n].op);
    for (size_t i = 0; i < nodes[n].inputs.size(); ++i) {
      const int id = nodes[n].inputs[i];
      if (id >= 0 && input_spec(sig, i).differentiable) leads[static_cast<size_t>(id)] = true;
    }
  }

  BackwardNodes b;
  b.has_grad.assign(nv, false);
  for (size_t v = 0; v < nv; ++v) b.has_grad[v] = wants[v] && leads[v];
  for (size_t n = nodes.size(); n-- > 0;) {
    if (!node_needed[n]) continue;
    const OpSignature& sig = op_signature(nodes[n].op);
    bool any_in = false, any_out = false;
    for (size_t i = 0; i < nodes[n].inputs.size(); ++i) {
      const int id = nodes[n].inputs[i];
      any_in = any_in || (id >= 0 && input_spec(sig, i).differentiable && b.has_grad[static_cast<size_t>(id)]);
    }
    for (int o : nodes[n].outputs) any_out = any_out || b.has_grad[static_cast<size_t>(o)];
    if (any_in && any_out) b.nodes.push_back(static_cast<int>(n));
  }
  return b;
}

void add_backward(const Graph& g, const BuildOptions& opt, const std::vector<bool>& node_needed, Program& p) {
  const auto& values = g.values();
  const auto& nodes = g.nodes();
  const size_t nv = values.size();

  const BackwardNodes bn = backward_nodes(g, opt, node_needed);
  const std::vector<bool>& has_grad = bn.has_grad;
  for (size_t v = 0; v < nv; ++v)
    if (has_grad[v]) p.grad_buf[v] = add_arena(p, values[v].shape.size(), "gradient of " + g.describe(static_cast<int>(v)));
  for (size_t v = 0; v < nv; ++v)
    if (values[v].kind == ValueKind::parameter && values[v].trainable && !has_grad[v])
      p.dead_parameters.push_back(static_cast<int>(v));

  std::vector<bool> written(nv, false);
  // Seeds first: the loss's gradient is 1, seeded outputs' come from the caller.
  if (g.loss() >= 0 && has_grad[static_cast<size_t>(g.loss())]) {
    Step s;
    s.kind = StepKind::seed;
    s.dst = p.grad_buf[static_cast<size_t>(g.loss())];
    p.steps.push_back(s);
    written[static_cast<size_t>(g.loss())] = true;
  }
  for (size_t k = 0; k < opt.seed_outputs.size(); ++k) {
    const int v = opt.seed_outputs[k];
    p.seed_values.push_back(v);
    if (!has_grad[static_cast<size_t>(v)]) continue;  // nothing upstream wants a gradient
    Step s;
    s.kind = StepKind::seed;
    s.seed = static_cast<int>(k);
    s.dst = p.grad_buf[static_cast<size_t>(v)];
    if (written[static_cast<size_t>(v)]) {  // the same value seeded twice: add the seeds
      s.dst = add_arena(p, values[static_cast<size_t>(v)].shape.size(), "second seed of " + g.describe(v));
      p.steps.push_back(s);
      Step acc;
      acc.kind = StepKind::accumulate;
      acc.dst = p.grad_buf[static_cast<size_t>(v)];
      acc.src = s.dst;
      p.steps.push_back(acc);
    } else {
      p.steps.push_back(s);
      written[static_cast<size_t>(v)] = true;
    }
  }

  const std::vector<int> order =
      opt.backward_order == BackwardOrder::reverse_creation ? bn.nodes : memory_order(g, opt, bn);
  for (int n : order) {
    const Node& node = nodes[static_cast<size_t>(n)];
    const OpSignature& sig = op_signature(node.op);
    Step s;
    s.kind = StepKind::backward;
    s.node = n;
    std::vector<Shape> in_shapes;
    for (int id : node.inputs) {
      s.in.push_back(id >= 0 ? p.value_buf[static_cast<size_t>(id)] : -1);
      in_shapes.push_back(id >= 0 ? values[static_cast<size_t>(id)].shape : Shape{});
    }
    for (int o : node.outputs) {
      s.out.push_back(p.value_buf[static_cast<size_t>(o)]);
      if (has_grad[static_cast<size_t>(o)]) {
        s.grad_out.push_back(p.grad_buf[static_cast<size_t>(o)]);
      } else {  // this output does not reach a seed: its gradient is zero
        const int z = add_arena(p, values[static_cast<size_t>(o)].shape.size(), "zero gradient of " + g.describe(o));
        s.grad_out.push_back(z);
        s.zero.push_back(z);
      }
    }
    std::vector<Step> accumulates;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int id = node.inputs[i];
      if (id < 0 || !input_spec(sig, i).differentiable || !has_grad[static_cast<size_t>(id)]) {
        s.grad_in.push_back(-1);
        continue;
      }
      if (!written[static_cast<size_t>(id)]) {
        s.grad_in.push_back(p.grad_buf[static_cast<size_t>(id)]);
        written[static_cast<size_t>(id)] = true;
      } else if (opt.accumulate_into && accumulates_into(node.op, i) &&
                 std::count(node.inputs.begin(), node.inputs.end(), id) == 1) {
        s.grad_in.push_back(p.grad_buf[static_cast<size_t>(id)]);
        s.accumulate |= uint64_t(1) << i;
      } else {
        const int t = add_arena(p, values[static_cast<size_t>(id)].shape.size(),
                                "gradient contribution of node '" + node.name + "' to " + g.describe(id));
        s.grad_in.push_back(t);
        Step acc;
        acc.kind = StepKind::accumulate;
        acc.dst = p.grad_buf[static_cast<size_t>(id)];
        acc.src = t;
        accumulates.push_back(acc);
      }
    }
    if (opt.declared_reads) {
      std::vector<bool> want(s.grad_in.size());
      for (size_t i = 0; i < want.size(); ++i) want[i] = s.grad_in[i] >= 0;
      BackwardReads r = backward_reads(node.op, want, s.in.size(), s.out.size());
      s.reads_in = std::move(r.in);
      s.reads_out = std::move(r.out);
    }
    const int64_t ws = workspace_floats(node.op, in_shapes, Pass::backward);
    if (ws > 0) s.workspace = add_arena(p, ws, "backward workspace of node '" + node.name + "'");
    p.steps.push_back(std::move(s));
    for (Step& a : accumulates) p.steps.push_back(std::move(a));
  }
}

}  // namespace deepsc::graph
