#pragma once
// The engine's side of op plugins (the C ABI is deepsc/plugin.h): an op loaded from a plugin
// library, its parsed attributes, and the calls the registry makes into it. A plugin op is an
// OpInstance of kind OpKind::Plugin whose params are PluginParams; registry.cpp routes every
// dispatch (parse, infer, workspace, forward, backward, backend support) here, so the graph,
// the executor and the eager calls treat it like a built-in op. See docs/architecture.md
// ("Op plugins").
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "deepsc/attrs.h"
#include "deepsc/op.h"
#include "deepsc/plugin.h"

namespace deepsc {

/// One op a plugin registered: its validated definition (pointers into the library, which is
/// never unloaded) and the engine's view of its signature.
struct PluginOp {
  deepsc_op_def def{};
  std::string name;
  std::string library;  ///< the file it came from (real path)
  OpSignature signature;
};

/// Attribute values of one op instance, in the op's declaration order, with their storage.
struct PluginAttrs {
  std::vector<deepsc_attr_value> values;
  std::vector<std::string> strings;
  std::vector<std::vector<int64_t>> ints;
  std::vector<std::vector<double>> floats;
};

/// The params of an OpInstance of kind OpKind::Plugin.
struct PluginParams {
  std::shared_ptr<const PluginOp> op;
  std::shared_ptr<const PluginAttrs> attrs;  ///< null only in instances made for backward_reads
};

/// A loaded plugin library and the ops it registered.
struct PluginLibrary {
  std::string path;  ///< real path
  std::string name;  ///< as the plugin names itself
  std::vector<std::shared_ptr<const PluginOp>> ops;
};

namespace plugin {

/// Loads the plugin library at `path` (dlopen with RTLD_LOCAL), checks its ABI version and
/// layout, validates every op definition and registers the ops. Loading a file that is already
/// loaded (same real path) returns it again and registers nothing. Throws Error naming the file:
/// a missing file or a dlopen failure, no entry point, an ABI mismatch (both versions named), an
/// invalid definition, a name that shadows a built-in op or an op already loaded. Nothing is
/// registered when any op of the library is refused.
const PluginLibrary& load_library(const std::string& path);

/// Every library loaded so far, in load order.
std::vector<const PluginLibrary*> libraries();

/// The plugin op called `name`, or null.
std::shared_ptr<const PluginOp> find(const std::string& name);

/// Names of all plugin ops, in load order.
std::vector<std::string> names();

/// Parses `attrs` against the op's declared attributes (unknown keys, wrong types and missing
/// required ones are refused naming the op), then calls its check_attrs.
PluginParams make(std::shared_ptr<const PluginOp> op, const Attrs& attrs);

/// The op's infer (or input 0's shape for every output when it has none), checked.
std::vector<Shape> infer(const PluginParams& p, std::span<const Shape> in);

/// Scratch floats for a CPU pass (0 on a device: device kernels get no workspace).
int64_t workspace_floats(const PluginParams& p, std::span<const Shape> in, Pass pass);

/// Whether the op has a kernel for `backend` (every op has a CPU forward).
bool supports(Backend backend, const PluginParams& p);

void run_forward(Backend backend, const PluginParams& p, const OpArgs& a);
void run_backward(Backend backend, const PluginParams& p, const OpGradArgs& a);

}  // namespace plugin
}  // namespace deepsc
