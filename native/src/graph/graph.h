#pragma once
// A dataflow graph as the TS builder declares it: leaves (inputs, parameters, constants,
// state), op nodes in creation order (so every node's inputs precede it) and named outputs
// plus an optional scalar loss. Shapes are inferred as nodes are added, so a bad node fails
// where it is declared, naming the node.
#include <string>
#include <vector>

#include "deepsc/registry.h"

namespace deepsc::graph {

/// What a value is. Leaves other than inputs live outside the arena, in persistent storage.
enum class ValueKind {
  input,      ///< fed at every forward call
  parameter,  ///< trained by the optimizer when trainable; saved with the model
  constant,   ///< fixed data given at build time; not saved
  state,      ///< persistent, not trained, may be updated by ops (batch-norm statistics); saved
  node,       ///< output `output` of node `node`
};

const char* kind_name(ValueKind k);

struct Value {
  std::string name;  ///< leaves: the unique name; node outputs: "<node name>:<output>"
  ValueKind kind;
  Shape shape;
  int node = -1;
  int output = 0;
  bool trainable = false;  ///< parameters only
};

struct Node {
  OpInstance op;
  std::string name;         ///< for messages ("stem.conv1 (conv3d)")
  std::vector<int> inputs;  ///< value ids; -1 = absent optional input
  std::vector<int> outputs;
};

class Graph {
 public:
  /// Adds a leaf; TypeError when the name is empty or already taken.
  int add_leaf(const std::string& name, ValueKind kind, const Shape& shape, bool trainable = false);
  /// Adds an op node after validating its input ids and inferring its output shapes; returns
  /// the output value ids. Errors name the node.
  std::vector<int> add_node(OpInstance op, const std::string& name, const std::vector<int>& inputs);
  /// Names a value as an output; names are unique.
  void add_output(const std::string& name, int value);
  /// Marks the scalar loss (shape with one element).
  void set_loss(int value);

  const std::vector<Value>& values() const { return values_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<std::pair<std::string, int>>& outputs() const { return outputs_; }
  int loss() const { return loss_; }
  /// The leaf or output called `name`, or -1.
  int find_leaf(const std::string& name) const;
  int find_output(const std::string& name) const;
  /// "node 'stem.conv1' (conv3d)" or "input 'scan'", for messages.
  std::string describe(int value) const;

 private:
  void check_value(int id, const std::string& what) const;
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<std::pair<std::string, int>> outputs_;
  int loss_ = -1;
};

}  // namespace deepsc::graph
