#include "plugin/validate.h"

#include <cmath>
#include <set>

#include "deepsc/error.h"

namespace deepsc::plugin {

namespace {

bool valid_name(const char* s) {
  if (!s || !*s) return false;
  for (const char* c = s; *c; ++c)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) return false;
  return !(s[0] >= '0' && s[0] <= '9');
}

bool valid_attr_name(const char* s) {
  if (!s || !*s) return false;
  for (const char* c = s; *c; ++c)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_')) return false;
  return true;
}

uint32_t low_bits(int32_t n) { return n >= 32 ? 0xffffffffu : (1u << n) - 1u; }

}  // namespace

std::shared_ptr<const PluginOp> validate_op(const deepsc_op_def& def, const std::string& library) {
  const std::string where = "plugin " + library;
  if (!valid_name(def.name))
    fail(ErrorKind::Type, where,
         "an op name must be non-empty lower-case letters, digits and '_' (not starting with a digit), got '" +
             std::string(def.name ? def.name : "(null)") + "'");
  const std::string name = def.name;
  auto bad = [&](const std::string& what) { fail(ErrorKind::Type, where, "op '" + name + "': " + what); };
  if (def.num_inputs < 1 || def.num_inputs > DEEPSC_MAX_TENSORS)
    bad("num_inputs must be in [1, " + std::to_string(DEEPSC_MAX_TENSORS) + "], got " + std::to_string(def.num_inputs));
  if (def.num_outputs < 1 || def.num_outputs > DEEPSC_MAX_TENSORS)
    bad("num_outputs must be in [1, " + std::to_string(DEEPSC_MAX_TENSORS) + "], got " + std::to_string(def.num_outputs));
  if (!def.inputs) bad("inputs is NULL");
  if (def.num_attrs < 0 || def.num_attrs > 256) bad("num_attrs must be in [0, 256], got " + std::to_string(def.num_attrs));
  if (def.num_attrs > 0 && !def.attrs) bad("attrs is NULL but num_attrs is " + std::to_string(def.num_attrs));
  if (!def.cpu_forward) bad("cpu_forward is required");
  if (def.cuda_backward && !def.cuda_forward) bad("cuda_backward is given without cuda_forward");
  if (def.cuda_forward && def.cpu_backward && !def.cuda_backward)
    bad("cuda_forward is given with a CPU backward but no cuda_backward (a CUDA model could not train through it)");
  if (def.cuda_backward && !def.cpu_backward) bad("cuda_backward is given without cpu_backward (the CPU is the reference)");
  if (def.flags & ~static_cast<uint32_t>(DEEPSC_OP_DETERMINISTIC))
    bad("unknown flags 0x" + [&] {
      char b[16];
      std::snprintf(b, sizeof b, "%x", def.flags & ~static_cast<uint32_t>(DEEPSC_OP_DETERMINISTIC));
      return std::string(b);
    }());
  if (def.backward_reads_inputs & ~low_bits(def.num_inputs))
    bad("backward_reads_inputs names an input past its " + std::to_string(def.num_inputs) + " inputs");
  if (def.backward_reads_outputs & ~low_bits(def.num_outputs))
    bad("backward_reads_outputs names an output past its " + std::to_string(def.num_outputs) + " outputs");
  if (def.in_place_inputs & ~low_bits(def.num_inputs))
    bad("in_place_inputs names an input past its " + std::to_string(def.num_inputs) + " inputs");
  if (def.in_place_inputs && def.num_outputs != 1) bad("in_place_inputs needs exactly one output");
  if (def.in_place_inputs & def.backward_reads_inputs)
    bad("an input its backward reads cannot be overwritten in place (in_place_inputs & backward_reads_inputs)");

  auto op = std::make_shared<PluginOp>();
  op->def = def;
  op->name = name;
  op->library = library;
  std::set<std::string> seen;
  for (int32_t i = 0; i < def.num_inputs; ++i) {
    const deepsc_input_def& in = def.inputs[i];
    if (!valid_attr_name(in.name)) bad("input " + std::to_string(i) + " needs a name of letters, digits and '_'");
    if (!seen.insert(in.name).second) bad("input name '" + std::string(in.name) + "' is used twice");
    // Without a CPU backward no input has a gradient: the graph never asks for one.
    op->signature.inputs.push_back(InputSpec{in.name, in.optional != 0, in.no_gradient == 0 && def.cpu_backward != nullptr});
  }
  op->signature.outputs = def.num_outputs;
  seen.clear();
  for (int32_t k = 0; k < def.num_attrs; ++k) {
    const deepsc_attr_def& a = def.attrs[k];
    if (!valid_attr_name(a.name)) bad("attribute " + std::to_string(k) + " needs a name of letters, digits and '_'");
    const std::string an = a.name;
    if (!seen.insert(an).second) bad("attribute '" + an + "' is declared twice");
    if (a.type < DEEPSC_ATTR_INT || a.type > DEEPSC_ATTR_FLOATS)
      bad("attribute '" + an + "' has unknown type " + std::to_string(a.type));
    if (a.required) continue;
    const deepsc_attr_value& d = a.default_value;
    if (a.type == DEEPSC_ATTR_FLOAT && !std::isfinite(d.f)) bad("attribute '" + an + "' has a non-finite default");
    if (a.type == DEEPSC_ATTR_STRING && !d.s) bad("attribute '" + an + "' (a string) has a NULL default");
    if ((a.type == DEEPSC_ATTR_INTS || a.type == DEEPSC_ATTR_FLOATS) && d.count < 0)
      bad("attribute '" + an + "' has a negative default count");
    if (a.type == DEEPSC_ATTR_INTS && d.count > 0 && !d.ints) bad("attribute '" + an + "' has a NULL default list");
    if (a.type == DEEPSC_ATTR_FLOATS && d.count > 0 && !d.floats) bad("attribute '" + an + "' has a NULL default list");
    if (a.type == DEEPSC_ATTR_FLOATS)
      for (int64_t j = 0; j < d.count; ++j)
        if (!std::isfinite(d.floats[j])) bad("attribute '" + an + "' has a non-finite default");
  }
  return op;
}

}  // namespace deepsc::plugin
