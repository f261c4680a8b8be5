// The argument checks of the eager calls, done once for both devices (see eager_call.h).
#include "binding/eager_call.h"

#include "binding/cuda_ops.h"

namespace deepsc::binding {

Device read_device(const Napi::Value& v, const char* fn) {
  if (!v.IsString())
    fail(ErrorKind::Type, fn, "device must be the string 'cpu' or 'cuda'");
  const std::string d = v.As<Napi::String>().Utf8Value();
  if (d == "cpu") return Device::cpu;
  if (d == "cuda") return Device::cuda;
  fail(ErrorKind::Range, fn, "device must be 'cpu' or 'cuda', got '" + d + "'");
}

void require_cpu_option(const Napi::Value& given, Device device, const std::string& op, const char* option) {
  if (device == Device::cpu || given.IsUndefined() || given.IsNull()) return;
  fail(ErrorKind::Type, op,
       std::string("option '") + option +
           "' (caller-owned destinations) is CPU-only; on device 'cuda' the results come back in new arrays");
}

ForwardCall read_forward_call(const Napi::CallbackInfo& info) {
  if (info.Length() < 4 || !info[1].IsString())
    fail(ErrorKind::Type, "runForward", "expected (device, op, attrs, inputs, outputs?)");
  ForwardCall c;
  c.device = read_device(info[0], "runForward");
  c.name = info[1].As<Napi::String>().Utf8Value();
  c.op = make_op(c.name, to_attrs(info[2], c.name));
  require_cpu_option(info.Length() > 4 ? info[4] : info.Env().Undefined(), c.device, c.name, "out");
  if (c.device == Device::cuda) require_cuda(c.op);
  c.in = read_op_tensors(info[3], c.op, "inputs");
  c.shapes = infer_shapes(c.op, c.in.shapes, c.in.present);
  return c;
}

BackwardCall read_backward_call(const Napi::CallbackInfo& info) {
  if (info.Length() < 7 || !info[1].IsString())
    fail(ErrorKind::Type, "runBackward",
         "expected (device, op, attrs, inputs, outputs, gradOutputs, needGrad, gradInputs?)");
  BackwardCall c;
  c.device = read_device(info[0], "runBackward");
  c.name = info[1].As<Napi::String>().Utf8Value();
  c.op = make_op(c.name, to_attrs(info[2], c.name));
  require_cpu_option(info.Length() > 7 ? info[7] : info.Env().Undefined(), c.device, c.name, "gradInputs");
  if (c.device == Device::cuda) require_cuda(c.op);
  c.in = read_op_tensors(info[3], c.op, "inputs");
  c.shapes = infer_shapes(c.op, c.in.shapes, c.in.present);
  c.out = read_op_tensors(info[4], c.op, "outputs");
  c.gout = read_op_tensors(info[5], c.op, "gradOutputs");
  const size_t n = c.shapes.size();
  if (c.out.views.size() != n || c.gout.views.size() != n)
    fail(ErrorKind::Type, c.name, "expected " + std::to_string(n) + " outputs and gradOutputs");
  for (size_t i = 0; i < n; ++i) {
    if (!c.out.present[i] || c.out.shapes[i] != c.shapes[i])
      fail(ErrorKind::Type, c.name, "outputs[" + std::to_string(i) + "] must have shape " + c.shapes[i].str());
    if (c.gout.present[i] && c.gout.shapes[i] != c.shapes[i])
      fail(ErrorKind::Type, c.name, "gradOutputs[" + std::to_string(i) + "] must have shape " + c.shapes[i].str());
  }
  c.want = read_need_grad(info[6], c.op, c.in, c.name.c_str(), "needGrad must be an array of booleans");
  return c;
}

}  // namespace deepsc::binding
