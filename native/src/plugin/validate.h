#pragma once
// Checks one op definition a plugin registered and builds the engine's view of it.
#include <memory>
#include <string>

#include "deepsc/plugin_op.h"

namespace deepsc::plugin {

/// The op of `def`, or Error(Type) naming the library and the op when the definition is
/// invalid: a bad name, arity out of [1, DEEPSC_MAX_TENSORS], a missing cpu_forward, a CUDA
/// forward without the CUDA backward its CPU backward implies, masks naming tensors the op does
/// not have, in-place on an op with several outputs, attributes with bad names, types or
/// duplicates. Does not look at other ops (the registry refuses clashing names).
std::shared_ptr<const PluginOp> validate_op(const deepsc_op_def& def, const std::string& library);

}  // namespace deepsc::plugin
