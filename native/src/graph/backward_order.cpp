// memory_order: the backward nodes in a greedy order by live memory (see backward_order.h).
#include "graph/backward_order.h"

#include <algorithm>
#include <climits>

#include "deepsc/backward_reads.h"

namespace deepsc::graph {

std::vector<int> memory_order(const Graph& g, const BuildOptions& opt, const BackwardNodes& b) {
  const auto& values = g.values();
  const auto& nodes = g.nodes();
  const size_t nv = values.size();
  const size_t nb = b.nodes.size();
  std::vector<int> rank(nodes.size(), -1);  // position in reference order
  for (size_t k = 0; k < nb; ++k) rank[static_cast<size_t>(b.nodes[k])] = static_cast<int>(k);

  // Contributions to each gradient, in reference order: (rank of the backward node) per
  // differentiable use; seeds count too (they are written before any node runs).
  std::vector<std::vector<int>> contributors(nv);
  std::vector<int> seeds(nv, 0);
  if (g.loss() >= 0) ++seeds[static_cast<size_t>(g.loss())];
  for (int v : opt.seed_outputs) ++seeds[static_cast<size_t>(v)];
  std::vector<std::vector<int>> reads(nb);  // value ids each backward node's kernel reads
  for (size_t k = 0; k < nb; ++k) {
    const Node& node = nodes[static_cast<size_t>(b.nodes[k])];
    const OpSignature& sig = op_signature(node.op);
    std::vector<bool> want(node.inputs.size(), false);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int id = node.inputs[i];
      want[i] = id >= 0 && input_spec(sig, i).differentiable && b.has_grad[static_cast<size_t>(id)];
      if (want[i]) contributors[static_cast<size_t>(id)].push_back(static_cast<int>(k));
    }
    BackwardReads r;
    if (opt.declared_reads) r = backward_reads(node.op, want, node.inputs.size(), node.outputs.size());
    for (size_t i = 0; i < node.inputs.size(); ++i)
      if (node.inputs[i] >= 0 && (r.in.empty() || r.in[i])) reads[k].push_back(node.inputs[i]);
    for (size_t o = 0; o < node.outputs.size(); ++o)
      if (r.out.empty() || r.out[o]) reads[k].push_back(node.outputs[o]);
    std::sort(reads[k].begin(), reads[k].end());
    reads[k].erase(std::unique(reads[k].begin(), reads[k].end()), reads[k].end());
  }

  // Node k waits for the contributors to its outputs' gradients, and for the contribution
  // before its own to a gradient summed from three or more.
  std::vector<std::vector<int>> before(nb);
  for (size_t k = 0; k < nb; ++k)
    for (int o : nodes[static_cast<size_t>(b.nodes[k])].outputs)
      for (int c : contributors[static_cast<size_t>(o)]) before[k].push_back(c);
  for (size_t v = 0; v < nv; ++v) {
    const auto& c = contributors[v];
    if (static_cast<int>(c.size()) + seeds[v] < 3) continue;
    for (size_t j = 1; j < c.size(); ++j)
      if (c[j] != c[j - 1]) before[static_cast<size_t>(c[j])].push_back(c[j - 1]);
  }
  std::vector<int> waiting(nb, 0);
  std::vector<std::vector<int>> after(nb);
  for (size_t k = 0; k < nb; ++k) {
    auto& w = before[k];
    std::sort(w.begin(), w.end());
    w.erase(std::unique(w.begin(), w.end()), w.end());
    waiting[k] = static_cast<int>(w.size());
    for (int c : w) after[static_cast<size_t>(c)].push_back(static_cast<int>(k));
  }

  // Live memory as the simulation sees it: forward values a later backward reads (outputs and
  // the loss are kept anyway), and gradients from their first contribution until their
  // producer's backward has read them (parameters' and inputs' gradients are kept).
  std::vector<bool> kept(nv, false);
  for (const auto& [_, v] : g.outputs()) kept[static_cast<size_t>(v)] = true;
  if (g.loss() >= 0) kept[static_cast<size_t>(g.loss())] = true;
  std::vector<int> readers(nv, 0);
  for (size_t k = 0; k < nb; ++k)
    for (int v : reads[k]) ++readers[static_cast<size_t>(v)];
  std::vector<bool> grad_live(nv, false);
  for (size_t v = 0; v < nv; ++v) grad_live[v] = seeds[v] > 0 && b.has_grad[v];
  auto arena_floats = [&](int v) -> int64_t {
    const ValueKind k = values[static_cast<size_t>(v)].kind;
    return k == ValueKind::node || k == ValueKind::input ? values[static_cast<size_t>(v)].shape.size() : 0;
  };
  auto delta = [&](size_t k) {
    const Node& node = nodes[static_cast<size_t>(b.nodes[k])];
    int64_t d = 0;
    std::vector<int> allocated;
    for (int c = 0; c < static_cast<int>(node.inputs.size()); ++c) {
      const int id = node.inputs[static_cast<size_t>(c)];
      if (id < 0 || grad_live[static_cast<size_t>(id)] ||
          std::find(contributors[static_cast<size_t>(id)].begin(), contributors[static_cast<size_t>(id)].end(),
                    static_cast<int>(k)) == contributors[static_cast<size_t>(id)].end() ||
          std::find(allocated.begin(), allocated.end(), id) != allocated.end())
        continue;
      allocated.push_back(id);
      d += values[static_cast<size_t>(id)].shape.size();
    }
    for (int o : node.outputs)
      if (b.has_grad[static_cast<size_t>(o)]) d -= values[static_cast<size_t>(o)].shape.size();
    for (int v : reads[k])
      if (readers[static_cast<size_t>(v)] == 1 && !kept[static_cast<size_t>(v)]) d -= arena_floats(v);
    return d;
  };

  std::vector<int> order;
  order.reserve(nb);
  std::vector<bool> done(nb, false);
  for (size_t step = 0; step < nb; ++step) {
    size_t best = nb;
    int64_t best_delta = INT64_MAX;
    for (size_t k = 0; k < nb; ++k) {
      if (done[k] || waiting[k] > 0) continue;
      const int64_t d = delta(k);
      if (d < best_delta) {  // ties: the earlier in reference order (k ascends)
        best = k;
        best_delta = d;
      }
    }
    // Reference order satisfies every constraint, so some node is always ready.
    const Node& node = nodes[static_cast<size_t>(b.nodes[best])];
    for (int id : node.inputs)
      if (id >= 0 && std::find(contributors[static_cast<size_t>(id)].begin(), contributors[static_cast<size_t>(id)].end(),
                               static_cast<int>(best)) != contributors[static_cast<size_t>(id)].end())
        grad_live[static_cast<size_t>(id)] = true;
    for (int v : reads[best]) --readers[static_cast<size_t>(v)];
    done[best] = true;
    for (int k : after[best]) --waiting[static_cast<size_t>(k)];
    order.push_back(b.nodes[best]);
  }
  return order;
}

}  // namespace deepsc::graph
