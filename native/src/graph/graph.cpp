#include "graph/graph.h"

namespace deepsc::graph {

const char* kind_name(ValueKind k) {
  switch (k) {
    case ValueKind::input: return "input";
    case ValueKind::parameter: return "parameter";
    case ValueKind::constant: return "constant";
    case ValueKind::state: return "state";
    case ValueKind::node: return "node output";
  }
  return "value";
}

int Graph::find_leaf(const std::string& name) const {
  for (size_t i = 0; i < values_.size(); ++i)
    if (values_[i].kind != ValueKind::node && values_[i].name == name) return static_cast<int>(i);
  return -1;
}

int Graph::find_output(const std::string& name) const {
  for (const auto& [n, v] : outputs_)
    if (n == name) return v;
  return -1;
}

std::string Graph::describe(int id) const {
  const Value& v = values_[static_cast<size_t>(id)];
  if (v.kind != ValueKind::node) return std::string(kind_name(v.kind)) + " '" + v.name + "'";
  const Node& n = nodes_[static_cast<size_t>(v.node)];
  return "output " + std::to_string(v.output) + " of node '" + n.name + "' (" + op_name(n.op) + ")";
}

void Graph::check_value(int id, const std::string& what) const {
  if (id < 0 || static_cast<size_t>(id) >= values_.size())
    fail(ErrorKind::Range, "graph", what + " refers to value " + std::to_string(id) + ", which does not exist (" +
                                        std::to_string(values_.size()) + " values declared)");
}

int Graph::add_leaf(const std::string& name, ValueKind kind, const Shape& shape, bool trainable) {
  if (kind == ValueKind::node) fail(ErrorKind::Type, "graph", "a leaf cannot have kind 'node'");
  if (name.empty()) fail(ErrorKind::Type, "graph", std::string("a ") + kind_name(kind) + " needs a name");
  if (find_leaf(name) >= 0)
    fail(ErrorKind::Type, "graph", std::string(kind_name(kind)) + " name '" + name + "' is already used by " +
                                       describe(find_leaf(name)));
  shape.numel("graph: " + name);
  values_.push_back(Value{name, kind, shape, -1, 0, kind == ValueKind::parameter && trainable});
  return static_cast<int>(values_.size() - 1);
}

std::vector<int> Graph::add_node(OpInstance op, const std::string& name_in, const std::vector<int>& inputs) {
  const std::string name = name_in.empty() ? std::string(op_name(op)) + "_" + std::to_string(nodes_.size()) : name_in;
  std::vector<Shape> shapes;
  std::vector<bool> present;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const int id = inputs[i];
    if (id == -1) {
      shapes.emplace_back();
      present.push_back(false);
      continue;
    }
    check_value(id, "node '" + name + "' input " + std::to_string(i));
    shapes.push_back(values_[static_cast<size_t>(id)].shape);
    present.push_back(true);
  }
  std::vector<Shape> out;
  try {
    out = infer_shapes(op, shapes, present);
  } catch (const Error& e) {
    throw Error(e.kind(), "node '" + name + "': " + e.what());
  }
  Node node{std::move(op), name, inputs, {}};
  const int node_id = static_cast<int>(nodes_.size());
  for (size_t k = 0; k < out.size(); ++k) {
    values_.push_back(Value{name + ":" + std::to_string(k), ValueKind::node, out[k], node_id, static_cast<int>(k)});
    node.outputs.push_back(static_cast<int>(values_.size() - 1));
  }
  nodes_.push_back(std::move(node));
  return nodes_.back().outputs;
}

void Graph::add_output(const std::string& name, int value) {
  check_value(value, "output '" + name + "'");
  if (name.empty()) fail(ErrorKind::Type, "graph", "an output needs a name");
  if (find_output(name) >= 0) fail(ErrorKind::Type, "graph", "output name '" + name + "' is used twice");
  outputs_.emplace_back(name, value);
}

void Graph::set_loss(int value) {
  check_value(value, "the loss");
  const Shape& s = values_[static_cast<size_t>(value)].shape;
  if (s.size() != 1)
    fail(ErrorKind::Type, "graph", "the loss must be a scalar (one element, e.g. shape [1]), but " + describe(value) +
                                       " has shape " + s.str());
  loss_ = value;
}

}  // namespace deepsc::graph
