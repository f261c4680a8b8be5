// The registry's calls into a plugin op: shape inference (checked), workspace, backend support
// and the kernels, each through guarded_call. Kernel arguments are built on the stack (at most
// DEEPSC_MAX_TENSORS of each), so a step allocates nothing.
#include <array>

#include "deepsc/registry.h"
#include "plugin/guard.h"

namespace deepsc::plugin {

namespace {

const deepsc_attr_value* attr_values(const PluginParams& p) {
  return p.attrs && !p.attrs->values.empty() ? p.attrs->values.data() : nullptr;
}

int32_t attr_count(const PluginParams& p) { return p.attrs ? static_cast<int32_t>(p.attrs->values.size()) : 0; }

using Tensors = std::array<deepsc_tensor, DEEPSC_MAX_TENSORS>;

void fill(Tensors& t, std::span<const TensorView> v) {
  for (size_t i = 0; i < v.size() && i < t.size(); ++i) t[i] = to_c_tensor(v[i]);
}

deepsc_kernel_args kernel_args(Backend b, const PluginParams& p, Tensors& in, Tensors& out,
                               std::span<const TensorView> vin, std::span<const TensorView> vout, const Workspace& ws) {
  fill(in, vin);
  fill(out, vout);
  deepsc_kernel_args a{};
  a.attrs = attr_values(p);
  a.num_attrs = attr_count(p);
  a.num_inputs = static_cast<int32_t>(vin.size());
  a.num_outputs = static_cast<int32_t>(vout.size());
  a.device = b == Backend::cuda ? DEEPSC_DEVICE_CUDA : DEEPSC_DEVICE_CPU;
  a.in = in.data();
  a.out = out.data();
  a.workspace = b == Backend::cpu ? ws.data : nullptr;
  a.workspace_floats = b == Backend::cpu ? ws.floats : 0;
  a.stream = nullptr;  // the engine queues every device kernel on the default stream
  a.host = host();
  return a;
}

}  // namespace

std::vector<Shape> infer(const PluginParams& p, std::span<const Shape> in) {
  const PluginOp& op = *p.op;
  const deepsc_op_def& def = op.def;
  std::array<deepsc_shape, DEEPSC_MAX_TENSORS> cin{}, cout{};
  for (size_t i = 0; i < in.size(); ++i) cin[i] = to_c_shape(in[i], op.name);
  if (!def.infer) {  // elementwise default: every output shaped like input 0
    return std::vector<Shape>(static_cast<size_t>(def.num_outputs), in[0]);
  }
  for (auto& s : cout) s.rank = -1;
  guarded_call(op.name, op.library, "infer", [&](deepsc_error* err) {
    return def.infer(attr_values(p), cin.data(), static_cast<int32_t>(in.size()), cout.data(), def.num_outputs, err);
  });
  std::vector<Shape> out;
  for (int32_t k = 0; k < def.num_outputs; ++k) {
    const deepsc_shape& s = cout[static_cast<size_t>(k)];
    const std::string which = "infer: output " + std::to_string(k);
    if (s.rank == -1) fail(ErrorKind::Runtime, op.name, which + " was not set (plugin " + op.library + ")");
    if (s.rank < 1 || s.rank > DEEPSC_MAX_RANK)
      fail(ErrorKind::Runtime, op.name,
           which + " has rank " + std::to_string(s.rank) + " (must be in [1, " + std::to_string(DEEPSC_MAX_RANK) +
               "]; a scalar has shape [1]) (plugin " + op.library + ")");
    for (int32_t d = 0; d < s.rank; ++d)
      if (s.dims[d] < 0) fail(ErrorKind::Runtime, op.name, which + " has a negative dimension (plugin " + op.library + ")");
    out.push_back(from_c_shape(s));
  }
  return out;
}

int64_t workspace_floats(const PluginParams& p, std::span<const Shape> in, Pass pass) {
  const PluginOp& op = *p.op;
  if (!op.def.workspace_floats) return 0;
  std::array<deepsc_shape, DEEPSC_MAX_TENSORS> cin{};
  for (size_t i = 0; i < in.size(); ++i) cin[i] = to_c_shape(in[i], op.name);
  int64_t n = 0;
  guarded_call(op.name, op.library, "workspace_floats", [&](deepsc_error*) {
    n = op.def.workspace_floats(attr_values(p), cin.data(), static_cast<int32_t>(in.size()),
                                pass == Pass::forward ? DEEPSC_PASS_FORWARD : DEEPSC_PASS_BACKWARD);
    return DEEPSC_OK;
  });
  if (n < 0 || n > kMaxElements)
    fail(ErrorKind::Runtime, op.name,
         "workspace_floats returned " + std::to_string(n) + " (must be in [0, 2^48]) (plugin " + op.library + ")");
  return n;
}

bool supports(Backend b, const PluginParams& p) {
  return b == Backend::cpu || (b == Backend::cuda && p.op->def.cuda_forward != nullptr);
}

void run_forward(Backend b, const PluginParams& p, const OpArgs& a) {
  const PluginOp& op = *p.op;
  deepsc_kernel_fn fn = b == Backend::cuda ? op.def.cuda_forward : op.def.cpu_forward;
  if (!fn)
    fail(ErrorKind::Runtime, op.name,
         std::string("has no ") + (b == Backend::cuda ? "CUDA" : "CPU") + " forward (plugin " + op.library + ")");
  Tensors in{}, out{};
  const deepsc_kernel_args args = kernel_args(b, p, in, out, a.in, a.out, a.ws);
  guarded_call(op.name, op.library, b == Backend::cuda ? "cuda_forward" : "cpu_forward",
               [&](deepsc_error* err) { return fn(&args, err); });
}

void run_backward(Backend b, const PluginParams& p, const OpGradArgs& a) {
  const PluginOp& op = *p.op;
  deepsc_kernel_fn fn = b == Backend::cuda ? op.def.cuda_backward : op.def.cpu_backward;
  if (!fn)
    fail(ErrorKind::Runtime, op.name,
         std::string("has no ") + (b == Backend::cuda ? "CUDA" : "CPU") + " backward (plugin " + op.library + ")");
  Tensors in{}, out{}, gout{}, gin{};
  deepsc_kernel_args args = kernel_args(b, p, in, out, a.in, a.out, a.ws);
  fill(gout, a.grad_out);
  fill(gin, a.grad_in);
  args.grad_out = gout.data();
  args.grad_in = gin.data();
  guarded_call(op.name, op.library, b == Backend::cuda ? "cuda_backward" : "cpu_backward",
               [&](deepsc_error* err) { return fn(&args, err); });
}

}  // namespace deepsc::plugin
