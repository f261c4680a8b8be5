#include "deepsc/registry.h"

#include "cpu/kernels.h"
#ifdef DEEPSC_HAVE_CUDA
#include "cuda/kernels.h"
#endif

namespace deepsc {

namespace {

struct OpEntry {
  const char* name;
  OpSignature signature;
};

const std::vector<OpEntry>& entries() {
  static const std::vector<OpEntry> e = {
#define DEEPSC_OP(name, Type) {Type::kName, Type::signature()},
#include "deepsc/ops.def"
#undef DEEPSC_OP
  };
  return e;
}

void check_inputs(const char* name, const OpSignature& sig, std::span<const Shape> in, const std::vector<bool>& present) {
  const size_t fixed = sig.inputs.size();
  const bool count_ok = sig.variadic ? in.size() >= fixed : in.size() == fixed;
  if (!count_ok) {
    std::string names;
    for (const auto& s : sig.inputs) names += (names.empty() ? "" : ", ") + std::string(s.name) + (s.optional ? "?" : "");
    fail(ErrorKind::Type, name,
         "expected " + std::string(sig.variadic ? "at least " : "") + std::to_string(fixed) + " inputs (" + names +
             "), got " + std::to_string(in.size()));
  }
  for (size_t i = 0; i < in.size(); ++i) {
    const InputSpec& spec = sig.inputs[i < fixed ? i : fixed - 1];
    if (!present[i] && !spec.optional) fail(ErrorKind::Type, name, std::string("input '") + spec.name + "' is required");
    if (!present[i]) continue;
    // Rank 0 is how an absent optional input looks to infer(); a present one would be
    // silently dropped, so scalars are spelled [1].
    if (in[i].rank() == 0)
      fail(ErrorKind::Type, name, std::string("input '") + spec.name + "' has rank 0; a scalar has shape [1]");
    in[i].numel(name);  // rejects negative dims and overflowing products
  }
}

}  // namespace

OpKind op_kind(const std::string& name) {
  const auto& e = entries();
  for (size_t i = 0; i < e.size(); ++i)
    if (name == e[i].name) return static_cast<OpKind>(i);
  if (plugin::find(name)) return OpKind::Plugin;
  std::string list;
  for (const auto& x : e) list += (list.empty() ? "" : ", ") + std::string(x.name);
  const auto loaded = plugin::names();
  std::string plugins;
  for (const auto& x : loaded) plugins += (plugins.empty() ? "" : ", ") + x;
  fail(ErrorKind::Type, "op",
       "unknown op '" + name + "' (known: " + list + (plugins.empty() ? "; no plugin ops loaded" : "; from plugins: " + plugins) +
           ")");
}

const char* op_name(OpKind kind) {
  if (kind == OpKind::Plugin) return "plugin";
  return entries()[static_cast<size_t>(kind)].name;
}

const char* op_name(const OpInstance& op) {
  if (op.kind == OpKind::Plugin) return std::get<PluginParams>(op.params).op->name.c_str();
  return op_name(op.kind);
}

std::vector<std::string> op_names() {
  std::vector<std::string> v;
  for (const auto& e : entries()) v.emplace_back(e.name);
  return v;
}

const OpSignature& op_signature(OpKind kind) {
  if (kind == OpKind::Plugin) fail(ErrorKind::Runtime, "op_signature", "a plugin op's signature is in its instance");
  return entries()[static_cast<size_t>(kind)].signature;
}

const OpSignature& op_signature(const OpInstance& op) {
  if (op.kind == OpKind::Plugin) return std::get<PluginParams>(op.params).op->signature;
  return op_signature(op.kind);
}

OpInstance make_op(const std::string& name, const Attrs& attrs_in) {
  OpKind kind = op_kind(name);
  if (kind == OpKind::Plugin) return {kind, AnyParams(plugin::make(plugin::find(name), attrs_in))};
  Attrs attrs = attrs_in;
  attrs.set_op(name);
  switch (kind) {
#define DEEPSC_OP(n, Type) \
  case OpKind::Type: return {kind, AnyParams(std::in_place_type<Type##Params>, Type::parse(attrs))};
#include "deepsc/ops.def"
#undef DEEPSC_OP
    case OpKind::Plugin: break;  // handled above
  }
  fail(ErrorKind::Type, name, "unhandled op");
}

std::vector<Shape> infer_shapes(const OpInstance& op, std::span<const Shape> in, const std::vector<bool>& present) {
  if (present.size() != in.size()) fail(ErrorKind::Type, op_name(op), "presence flags do not match the inputs");
  const char* name = op_name(op);
  check_inputs(name, op_signature(op), in, present);
  std::vector<Shape> out;
  switch (op.kind) {
#define DEEPSC_OP(n, Type) \
  case OpKind::Type: out = Type::infer(std::get<Type##Params>(op.params), in); break;
#include "deepsc/ops.def"
#undef DEEPSC_OP
    case OpKind::Plugin: out = plugin::infer(std::get<PluginParams>(op.params), in); break;
  }
  for (const Shape& s : out) s.numel(name);
  return out;
}

int64_t workspace_floats(const OpInstance& op, std::span<const Shape> in, Pass pass) {
  switch (op.kind) {
#define DEEPSC_OP(n, Type) \
  case OpKind::Type: return Type::workspace_floats(std::get<Type##Params>(op.params), in, pass);
#include "deepsc/ops.def"
#undef DEEPSC_OP
    case OpKind::Plugin: return plugin::workspace_floats(std::get<PluginParams>(op.params), in, pass);
  }
  return 0;
}

const char* backend_name(Backend b) { return b == Backend::cuda ? "cuda" : "cpu"; }

bool backend_available(Backend b) {
  switch (b) {
    case Backend::cpu: return true;
    case Backend::cuda:
#ifdef DEEPSC_HAVE_CUDA
      return cuda::device_count() > 0;
#else
      return false;
#endif
  }
  return false;
}

bool supports_op(Backend b, const OpInstance& op) {
  if (op.kind == OpKind::Plugin) return plugin::supports(b, std::get<PluginParams>(op.params));
  return supports_op(b, op.kind);
}

bool supports_op(Backend b, OpKind kind) {
  if (kind == OpKind::Plugin) return b == Backend::cpu;  // the instance's overload knows about CUDA
  switch (b) {
    case Backend::cpu: return true;  // the CPU is the reference: every op has a CPU kernel
    case Backend::cuda:
#ifdef DEEPSC_HAVE_CUDA
      return cuda::supports(kind);
#else
      return false;
#endif
  }
  return false;
}

void run_forward(Backend b, const OpInstance& op, const OpArgs& a) {
  if (op.kind == OpKind::Plugin) return plugin::run_forward(b, std::get<PluginParams>(op.params), a);
  if (b == Backend::cuda) {
#ifdef DEEPSC_HAVE_CUDA
    cuda::run_forward(op, a);
    return;
#else
    fail(ErrorKind::Runtime, op_name(op.kind), "this build has no CUDA backend");
#endif
  }
  switch (op.kind) {
#define DEEPSC_OP(n, Type) \
  case OpKind::Type: cpu::n##_forward(std::get<Type##Params>(op.params), a); return;
#include "deepsc/ops.def"
#undef DEEPSC_OP
    case OpKind::Plugin: break;  // handled above
  }
}

void run_backward(Backend b, const OpInstance& op, const OpGradArgs& a) {
  if (op.kind == OpKind::Plugin) return plugin::run_backward(b, std::get<PluginParams>(op.params), a);
  if (b == Backend::cuda) {
#ifdef DEEPSC_HAVE_CUDA
    cuda::run_backward(op, a);
    return;
#else
    fail(ErrorKind::Runtime, op_name(op.kind), "this build has no CUDA backend");
#endif
  }
  switch (op.kind) {
#define DEEPSC_OP(n, Type) \
  case OpKind::Type: cpu::n##_backward(std::get<Type##Params>(op.params), a); return;
#include "deepsc/ops.def"
#undef DEEPSC_OP
    case OpKind::Plugin: break;  // handled above
  }
}

}  // namespace deepsc
