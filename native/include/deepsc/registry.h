#pragma once
// The op registry: the one place (with ops.def) that knows every op, and the dispatcher:
// the one place that knows every backend.
#include <string>
#include <variant>
#include <vector>

#include "deepsc/ops/all.h"
#include "deepsc/plugin_op.h"

namespace deepsc {

enum class OpKind {
#define DEEPSC_OP(name, Type) Type,
#include "deepsc/ops.def"
#undef DEEPSC_OP
  Plugin,  ///< an op loaded from a plugin library: its params are PluginParams (deepsc/plugin_op.h)
};

/// The typed params of any op.
using AnyParams = std::variant<
#define DEEPSC_OP(name, Type) Type##Params,
#include "deepsc/ops.def"
#undef DEEPSC_OP
    PluginParams, std::monostate>;

/// An op with its validated, typed attributes.
struct OpInstance {
  OpKind kind;
  AnyParams params;
};

/// The op called `name` (OpKind::Plugin for a loaded plugin op); TypeError listing the known
/// ops when there is none.
OpKind op_kind(const std::string& name);
/// A built-in op's name ("plugin" for OpKind::Plugin: use the instance's overload).
const char* op_name(OpKind kind);
/// The built-in ops' names (plugin ops: plugin::names()).
std::vector<std::string> op_names();
/// A built-in op's signature; throws for OpKind::Plugin (use the instance's overload).
const OpSignature& op_signature(OpKind kind);

/// The name and signature of any op, built-in or plugin.
const char* op_name(const OpInstance& op);
const OpSignature& op_signature(const OpInstance& op);

/// Parses and validates `attrs` into the op's typed params.
OpInstance make_op(const std::string& name, const Attrs& attrs);

/// Checks the inputs (count, presence of required ones, shapes) and returns the output shapes.
/// `present[i] == false` marks an absent optional input. Throws naming the op.
std::vector<Shape> infer_shapes(const OpInstance& op, std::span<const Shape> in, const std::vector<bool>& present);

/// Scratch floats the op needs for a pass with these input shapes.
int64_t workspace_floats(const OpInstance& op, std::span<const Shape> in, Pass pass);

bool supports_op(Backend backend, OpKind kind);
/// Whether `op` has a kernel for `backend` (a plugin op: whether its plugin gave one).
bool supports_op(Backend backend, const OpInstance& op);
bool backend_available(Backend backend);
const char* backend_name(Backend backend);

/// Runs a kernel. Arguments must have passed infer_shapes; no checks here.
void run_forward(Backend backend, const OpInstance& op, const OpArgs& args);
void run_backward(Backend backend, const OpInstance& op, const OpGradArgs& args);

}  // namespace deepsc
