// Cheap recomputation: which kept values are recomputed instead (see cheap_recompute.h).
#include "graph/cheap_recompute.h"

#include <algorithm>
#include <climits>
#include <map>

#include "deepsc/ops/conv3d.h"

namespace deepsc::graph {

bool cheap_to_recompute(const Graph& g, int n) {
  const Node& node = g.nodes()[static_cast<size_t>(n)];
  switch (node.op.kind) {
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::MulScalar:
    case OpKind::Scale:
    case OpKind::Relu:
    case OpKind::LeakyRelu:
    case OpKind::Sigmoid:
    case OpKind::Softmax:
    case OpKind::LogSoftmax:
    case OpKind::Reshape:
    case OpKind::Slice:
    case OpKind::Crop:
    case OpKind::Paste:
    case OpKind::Concat:
    case OpKind::Resize:
    case OpKind::GroupNorm:
    case OpKind::InstanceNorm:
      return true;
    case OpKind::Conv3d: {
      const Shape& w = g.values()[static_cast<size_t>(node.inputs[1])].shape;
      int64_t macs = 1;
      for (size_t d = 1; d < w.dims.size(); ++d) macs *= w.dims[d];  // C/groups x kD x kH x kW
      return macs <= kCheapMacs;
    }
    default:  // batch_norm (its training forward moves the running statistics), pooling, linear, losses, plugins
      return false;
  }
}

std::vector<std::vector<int>> cheap_recompute_sets(const Graph& g, const Program& p) {
  const size_t nb = p.buffers.size();
  std::vector<int> producer(nb, -1);  // forward step writing the buffer
  for (int s = 0; s < p.forward_steps; ++s)
    for (int b : p.steps[static_cast<size_t>(s)].out) producer[static_cast<size_t>(b)] = s;
  std::vector<int> first_read(nb, INT_MAX);  // first backward step reading the buffer
  for (size_t s = static_cast<size_t>(p.forward_steps); s < p.steps.size(); ++s) {
    const Step& st = p.steps[s];
    if (st.kind != StepKind::backward) continue;
    auto read = [&](int b) {
      if (b >= 0) first_read[static_cast<size_t>(b)] = std::min(first_read[static_cast<size_t>(b)], static_cast<int>(s));
    };
    for (size_t i = 0; i < st.in.size(); ++i)
      if (st.reads_in.empty() || st.reads_in[i]) read(st.in[i]);
    for (size_t k = 0; k < st.out.size(); ++k)
      if (st.reads_out.empty() || st.reads_out[k]) read(st.out[k]);
  }
  std::vector<bool> kept(nb, false);
  for (int b : p.keep)
    if (b >= 0) kept[static_cast<size_t>(b)] = true;

  std::vector<std::vector<int>> sets;
  std::vector<bool> taken(g.nodes().size(), false);
  for (int s = 0; s < p.forward_steps; ++s) {
    const Step& root = p.steps[static_cast<size_t>(s)];
    if (taken[static_cast<size_t>(root.node)] || !cheap_to_recompute(g, root.node)) continue;
    int need = INT_MAX;  // the first backward step reading one of its outputs
    bool ok = true;
    for (int b : root.out) {
      ok = ok && !kept[static_cast<size_t>(b)];
      need = std::min(need, first_read[static_cast<size_t>(b)]);
    }
    if (!ok || need == INT_MAX) continue;
    // The node and the cheap nodes it is made from whose values die in the forward pass; every
    // other value it reads must be alive at `need` anyway.
    std::vector<int> set{root.node}, todo{s};
    while (ok && !todo.empty()) {
      const Step& st = p.steps[static_cast<size_t>(todo.back())];
      todo.pop_back();
      for (int b : st.in) {
        if (b < 0) continue;
        const Buffer& buf = p.buffers[static_cast<size_t>(b)];
        if (buf.place == Place::persistent || buf.last >= need) continue;  // alive anyway
        const int f = producer[static_cast<size_t>(b)];
        if (f < 0 || first_read[static_cast<size_t>(b)] != INT_MAX || kept[static_cast<size_t>(b)]) {
          ok = false;  // an input or a value some backward reads, dead by then: recomputing would keep it
          break;
        }
        const int n = p.steps[static_cast<size_t>(f)].node;
        if (taken[static_cast<size_t>(n)] || !cheap_to_recompute(g, n) || set.size() >= 16) {
          ok = false;
          break;
        }
        if (std::find(set.begin(), set.end(), n) == set.end()) {
          set.push_back(n);
          todo.push_back(f);
        }
      }
    }
    if (!ok) continue;
    for (int n : set) taken[static_cast<size_t>(n)] = true;
    sets.push_back(std::move(set));
  }
  return sets;
}

}  // namespace deepsc::graph
