// Recomputation (activation checkpointing): the nodes of the chosen segments run their forward
// a second time in the backward pass, just before the first backward step that reads one of
// their values, into fresh buffers; those backward steps read the fresh copies. The forward
// pass's copies then die with their last forward reader, so a segment holds only its input
// (read again by the recomputation) between the two passes. Kernels are deterministic, so the
// recomputed values and every gradient are bitwise those of the plain program.
#include <algorithm>
#include <map>

#include "graph/program.h"

namespace deepsc::graph {

namespace {

bool in_segment(const std::string& name, const std::string& prefix) {
  return name == prefix || (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
                            name[prefix.size()] == '.');
}

}  // namespace

void add_recompute(const Graph& g, const std::vector<std::string>& prefixes, const std::vector<std::vector<int>>& node_sets,
                   Program& p) {
  const auto& nodes = g.nodes();
  const size_t segments = prefixes.size() + node_sets.size();
  // Segment of each node that runs forward (-1: none), and the producing forward step of each buffer.
  std::vector<int> segment(nodes.size(), -1);
  std::vector<bool> matched(prefixes.size(), false);
  std::map<int, int> producer;  // buffer -> forward step
  for (int s = 0; s < p.forward_steps; ++s) {
    const Step& st = p.steps[static_cast<size_t>(s)];
    const Node& node = nodes[static_cast<size_t>(st.node)];
    for (size_t k = 0; k < prefixes.size(); ++k)
      if (in_segment(node.name, prefixes[k])) {
        segment[static_cast<size_t>(st.node)] = static_cast<int>(k);
        matched[k] = true;
        break;
      }
    for (int b : st.out) producer[b] = s;
  }
  for (size_t k = 0; k < node_sets.size(); ++k)
    for (int n : node_sets[k])
      if (segment[static_cast<size_t>(n)] < 0) segment[static_cast<size_t>(n)] = static_cast<int>(prefixes.size() + k);
  // Glue inside a segment (a relu, concat or reshape created outside the segment's scope
  // between two of its nodes) joins it: a node that reads node-made values, all from the
  // segment, and whose output some segment node reads. Found as the largest such set.
  {
    std::map<int, std::vector<int>> consumers;  // buffer -> forward steps reading it
    for (int s = 0; s < p.forward_steps; ++s)
      for (int b : p.steps[static_cast<size_t>(s)].in)
        if (b >= 0) consumers[b].push_back(s);
    std::vector<bool> named(nodes.size(), false);
    for (size_t n = 0; n < nodes.size(); ++n) named[n] = segment[n] >= 0;
    for (size_t k = 0; k < prefixes.size(); ++k) {
      const int seg = static_cast<int>(k);
      std::vector<bool> in(static_cast<size_t>(p.forward_steps), false);
      for (int s = 0; s < p.forward_steps; ++s) {
        const int n = p.steps[static_cast<size_t>(s)].node;
        in[static_cast<size_t>(s)] = segment[static_cast<size_t>(n)] == seg || !named[static_cast<size_t>(n)];
      }
      for (bool changed = true; changed;) {
        changed = false;
        for (int s = p.forward_steps; s-- > 0;) {  // backwards: a removal reaches the producers in one pass
          const Step& st = p.steps[static_cast<size_t>(s)];
          if (!in[static_cast<size_t>(s)] || segment[static_cast<size_t>(st.node)] == seg) continue;
          bool ok = true, from_nodes = false;
          for (int b : st.in) {
            auto it = producer.find(b);
            if (it == producer.end()) continue;  // a leaf
            from_nodes = true;
            if (!in[static_cast<size_t>(it->second)]) ok = false;
          }
          ok = ok && from_nodes;
          bool read_by_segment = false;
          for (int b : st.out)
            for (int c : consumers[b]) read_by_segment = read_by_segment || in[static_cast<size_t>(c)];
          if (!ok || !read_by_segment) {
            in[static_cast<size_t>(s)] = false;
            changed = true;
          }
        }
      }
      for (int s = 0; s < p.forward_steps; ++s) {
        const int n = p.steps[static_cast<size_t>(s)].node;
        if (in[static_cast<size_t>(s)] && !named[static_cast<size_t>(n)]) segment[static_cast<size_t>(n)] = seg;
      }
    }
  }
  for (size_t k = 0; k < prefixes.size(); ++k) {
    if (prefixes[k].empty()) fail(ErrorKind::Type, "compile", "recompute: a segment name is empty");
    if (!matched[k])
      fail(ErrorKind::Type, "compile",
           "recompute: no node of the compiled program is named '" + prefixes[k] + "' or '" + prefixes[k] +
               ".*' (segments are node-name prefixes, e.g. 'lesion.enc1')");
  }
  auto is_kept = [&](int b) { return std::find(p.keep.begin(), p.keep.end(), b) != p.keep.end(); };
  // The segment value a buffer holds, when it is recomputed: produced by a segment node, not kept.
  auto recomputable = [&](int b) -> int {
    if (b < 0 || is_kept(b)) return -1;
    auto it = producer.find(b);
    if (it == producer.end()) return -1;
    const int node = p.steps[static_cast<size_t>(it->second)].node;
    return segment[static_cast<size_t>(node)] >= 0 ? it->second : -1;
  };

  // Forward steps to run again (closed over their in-segment inputs), and where each segment's
  // recomputation goes: before the first backward step that reads one of its values.
  std::vector<bool> rerun(static_cast<size_t>(p.forward_steps), false);
  std::vector<int> first_need(segments, INT_MAX);
  for (size_t s = static_cast<size_t>(p.forward_steps); s < p.steps.size(); ++s) {
    const Step& st = p.steps[s];
    if (st.kind != StepKind::backward) continue;
    auto need = [&](int b) {
      const int f = recomputable(b);
      if (f < 0) return;
      rerun[static_cast<size_t>(f)] = true;
      const int seg = segment[static_cast<size_t>(p.steps[static_cast<size_t>(f)].node)];
      first_need[static_cast<size_t>(seg)] = std::min(first_need[static_cast<size_t>(seg)], static_cast<int>(s));
    };
    for (size_t i = 0; i < st.in.size(); ++i)
      if (st.reads_in.empty() || st.reads_in[i]) need(st.in[i]);
    for (size_t k = 0; k < st.out.size(); ++k)
      if (st.reads_out.empty() || st.reads_out[k]) need(st.out[k]);
  }
  for (int s = p.forward_steps; s-- > 0;) {
    if (!rerun[static_cast<size_t>(s)]) continue;
    const Step& st = p.steps[static_cast<size_t>(s)];
    const int seg = segment[static_cast<size_t>(st.node)];
    for (int b : st.in) {
      const int f = recomputable(b);
      if (f < 0 || segment[static_cast<size_t>(p.steps[static_cast<size_t>(f)].node)] != seg) continue;
      rerun[static_cast<size_t>(f)] = true;  // f < s: visited later in this loop
    }
  }
  for (int s = 0; s < p.forward_steps; ++s) {
    if (!rerun[static_cast<size_t>(s)]) continue;
    const Node& node = nodes[static_cast<size_t>(p.steps[static_cast<size_t>(s)].node)];
    if (node.op.kind == OpKind::BatchNorm && std::get<BatchNormParams>(node.op.params).mode == BatchNormMode::train)
      fail(ErrorKind::Type, "compile",
           "recompute: node '" + node.name +
               "' is batch_norm in mode 'train', whose forward updates the running statistics; running it twice "
               "would update them twice (leave it out of the recomputed segments)");
  }

  // The recomputing steps, writing fresh copies.
  std::map<int, int> copy;  // forward buffer -> recomputed buffer
  std::map<int, int> copy_segment;  // forward buffer -> the segment recomputing it
  // Segment j's recomputation runs no later than segment k's (inserted in first-need order,
  // then by index).
  auto runs_before = [&](int j, int k) {
    return first_need[static_cast<size_t>(j)] < first_need[static_cast<size_t>(k)] ||
           (first_need[static_cast<size_t>(j)] == first_need[static_cast<size_t>(k)] && j <= k);
  };
  std::vector<std::vector<Step>> inserted(segments);
  for (int s = 0; s < p.forward_steps; ++s) {
    if (!rerun[static_cast<size_t>(s)]) continue;
    Step r = p.steps[static_cast<size_t>(s)];
    const Node& node = nodes[static_cast<size_t>(r.node)];
    const int seg = segment[static_cast<size_t>(r.node)];
    r.recompute = true;
    // An input another segment recomputes is read from its copy only if that copy is written
    // by then; otherwise from the forward pass's value (kept alive by this read).
    for (int& b : r.in) {
      auto it = copy.find(b);
      if (it != copy.end() && runs_before(copy_segment[b], seg)) b = it->second;
    }
    for (int& b : r.out) {
      const int c = add_arena(p, p.buffers[static_cast<size_t>(b)].floats,
                              "recomputed " + p.buffers[static_cast<size_t>(b)].what);
      copy[b] = c;
      copy_segment[b] = seg;
      b = c;
    }
    if (r.workspace >= 0)
      r.workspace = add_arena(p, p.buffers[static_cast<size_t>(r.workspace)].floats,
                              "recompute workspace of node '" + node.name + "'");
    p.recomputed_nodes.push_back(r.node);
    inserted[static_cast<size_t>(segment[static_cast<size_t>(r.node)])].push_back(std::move(r));
  }

  // Backward steps read the copies; the recomputation goes in before its first reader.
  std::vector<Step> steps(p.steps.begin(), p.steps.begin() + p.forward_steps);
  for (size_t s = static_cast<size_t>(p.forward_steps); s < p.steps.size(); ++s) {
    for (size_t k = 0; k < inserted.size(); ++k)
      if (first_need[k] == static_cast<int>(s))
        for (Step& r : inserted[k]) steps.push_back(std::move(r));
    Step st = std::move(p.steps[s]);
    if (st.kind == StepKind::backward) {
      for (int& b : st.in) {
        auto it = copy.find(b);
        if (it != copy.end()) b = it->second;
      }
      for (int& b : st.out) {
        auto it = copy.find(b);
        if (it != copy.end()) b = it->second;
      }
    }
    steps.push_back(std::move(st));
  }
  p.steps = std::move(steps);
}

}  // namespace deepsc::graph
