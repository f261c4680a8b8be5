// Eager op calls on the CUDA backend, for the CUDA-vs-CPU op tests and the GPU benchmark:
// the JS-owned inputs are copied to fresh device buffers, the kernel runs, the outputs are
// copied back into new JS tensors. Training goes through the graph executor instead (which
// keeps tensors on the device). The same argument checks as runForward / runBackward run first.
#include "binding/cuda_ops.h"

#include <algorithm>

#include "binding/convert.h"
#include "deepsc/registry.h"
#ifdef DEEPSC_HAVE_CUDA
#include "cuda/kernels.h"
#include "cuda/memory.h"
#include "cuda/ops.h"
#include "cuda/timing.h"
#endif

namespace deepsc::binding {

namespace {

// The op, after checking that this process can run it on CUDA at all.
OpInstance cuda_op(const Napi::CallbackInfo& info, const char* fn, size_t nargs, const char* usage) {
  if (info.Length() < nargs || !info[0].IsString()) fail(ErrorKind::Type, fn, std::string("expected ") + usage);
  std::string name = info[0].As<Napi::String>().Utf8Value();
  OpInstance op = make_op(name, to_attrs(info[1], name));
#ifdef DEEPSC_HAVE_CUDA
  cuda::require_device(name);
  if (!supports_op(Backend::cuda, op)) {
    if (op.kind == OpKind::Plugin)
      fail(ErrorKind::Runtime, name,
           "has no CUDA kernels (plugin " + std::get<PluginParams>(op.params).op->library + " gives none); it runs on the CPU");
    std::string list;
    for (const auto& n : cuda::op_names()) list += (list.empty() ? "" : ", ") + n;
    fail(ErrorKind::Runtime, name, "no CUDA kernel for this op yet (ops with CUDA kernels: " + list + ")");
  }
#else
  fail(ErrorKind::Runtime, name,
       "no CUDA device: this addon was built without the CUDA backend (nvcc was not found at build time; rebuild "
       "with DEEPSC_CUDA=1 and CUDA installed)");
#endif
  return op;
}

Napi::Value cuda_ops_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Array arr = Napi::Array::New(env);
#ifdef DEEPSC_HAVE_CUDA
    auto names = cuda::op_names();
    for (size_t i = 0; i < names.size(); ++i) arr.Set(static_cast<uint32_t>(i), names[i]);
#endif
    return arr;
  });
}

#ifdef DEEPSC_HAVE_CUDA

// Device copies of host tensors; owns the buffers. Present empty tensors get a 1-float
// buffer so that their pointer is not null (null means absent).
struct DeviceTensors {
  std::vector<cuda::DeviceBuffer> bufs;
  TensorView alloc(const Shape& s, const std::string& op) {
    bufs.emplace_back(std::max<int64_t>(s.size(), 1), op);
    return {bufs.back().get(), s};
  }
  TensorView upload(const TensorView& v, const std::string& op) {
    if (!v.present()) return v;
    TensorView d = alloc(v.shape, op);
    cuda::copy_to_device(d.data, v.data, v.numel());
    return d;
  }
};

#endif

Napi::Value cuda_run_forward_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    OpInstance op = cuda_op(info, "cudaRunForward", 3, "(op, attrs, inputs)");
#ifdef DEEPSC_HAVE_CUDA
    const std::string name = op_name(op);
    OpTensors in = read_op_tensors(info[2], op, "inputs");
    auto shapes = infer_shapes(op, in.shapes, in.present);
    DeviceTensors dev;
    std::vector<TensorView> din, dout;
    for (const auto& v : in.views) din.push_back(dev.upload(v, name));
    for (const auto& s : shapes) dout.push_back(dev.alloc(s, name));
    run_forward(Backend::cuda, op, OpArgs{din, dout, Workspace{}});
    cuda::synchronize(name);
    // Inputs come back too: an op that updates an input in place (batch_norm's running
    // statistics in train mode) does so on the JS arrays, as runForward does on the CPU, and a
    // kernel that wrongly writes an input shows in the CUDA-vs-CPU comparison.
    for (size_t i = 0; i < din.size(); ++i)
      if (in.present[i]) cuda::copy_to_host(in.views[i].data, din[i].data, in.views[i].numel());
    Napi::Array result = Napi::Array::New(env, shapes.size());
    for (size_t i = 0; i < shapes.size(); ++i) {
      TensorView host;
      result.Set(static_cast<uint32_t>(i), new_tensor(env, shapes[i], &host));
      cuda::copy_to_host(host.data, dout[i].data, shapes[i].size());
    }
    return result;
#else
    (void)op;
    return env.Undefined();
#endif
  });
}

Napi::Value cuda_run_backward_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    OpInstance op =
        cuda_op(info, "cudaRunBackward", 6, "(op, attrs, inputs, outputs, gradOutputs, needGrad)");
#ifdef DEEPSC_HAVE_CUDA
    const std::string name = op_name(op);
    OpTensors in = read_op_tensors(info[2], op, "inputs");
    auto shapes = infer_shapes(op, in.shapes, in.present);
    OpTensors out = read_op_tensors(info[3], op, "outputs");
    OpTensors gout = read_op_tensors(info[4], op, "gradOutputs");
    if (out.views.size() != shapes.size() || gout.views.size() != shapes.size())
      fail(ErrorKind::Type, name, "expected " + std::to_string(shapes.size()) + " outputs and gradOutputs");
    for (size_t i = 0; i < shapes.size(); ++i) {
      if (!out.present[i] || out.shapes[i] != shapes[i])
        fail(ErrorKind::Type, name, "outputs[" + std::to_string(i) + "] must have shape " + shapes[i].str());
      if (gout.present[i] && gout.shapes[i] != shapes[i])
        fail(ErrorKind::Type, name, "gradOutputs[" + std::to_string(i) + "] must have shape " + shapes[i].str());
    }
    const std::vector<bool> want =
        read_need_grad(info[5], op, in, name.c_str(), "needGrad must be an array of booleans");
    DeviceTensors dev;
    std::vector<TensorView> din, dout, dgout, dgrad(in.views.size());
    for (const auto& v : in.views) din.push_back(dev.upload(v, name));
    for (const auto& v : out.views) dout.push_back(dev.upload(v, name));
    for (size_t i = 0; i < shapes.size(); ++i) {
      if (gout.present[i]) {
        dgout.push_back(dev.upload(gout.views[i], name));
      } else {  // absent output gradients are zero
        dgout.push_back(dev.alloc(shapes[i], name));
        cuda::fill_zero(dgout.back().data, shapes[i].size());
      }
    }
    for (size_t i = 0; i < in.views.size(); ++i)
      if (want[i]) dgrad[i] = dev.alloc(in.shapes[i], name);
    run_backward(Backend::cuda, op, OpGradArgs{din, dout, dgout, dgrad, Workspace{}});
    cuda::synchronize(name);
    Napi::Array result = Napi::Array::New(env, in.views.size());
    for (uint32_t i = 0; i < in.views.size(); ++i) {
      if (!want[i]) {
        result.Set(i, env.Null());
        continue;
      }
      TensorView host;
      result.Set(i, new_tensor(env, in.shapes[i], &host));
      cuda::copy_to_host(host.data, dgrad[i].data, in.shapes[i].size());
    }
    return result;
#else
    (void)op;
    return env.Undefined();
#endif
  });
}

// cudaTimeOp(op, attrs, inputs, needGrad | null, warmup, repeats) -> ms per repeat: the GPU
// time (CUDA events) of the op's forward (needGrad null) or of its backward computing the
// gradients needGrad asks for, with everything already on the device. dL/d(out) is the
// forward's output itself (the values do not matter for timing).
Napi::Value cuda_time_op_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    OpInstance op = cuda_op(info, "cudaTimeOp", 6, "(op, attrs, inputs, needGrad | null, warmup, repeats)");
#ifdef DEEPSC_HAVE_CUDA
    const std::string name = op_name(op);
    const int warmup = read_call_count(info[4], "cudaTimeOp", "warmup", 0, 1000);
    const int repeats = read_call_count(info[5], "cudaTimeOp", "repeats", 1, 1000);
    OpTensors in = read_op_tensors(info[2], op, "inputs");
    auto shapes = infer_shapes(op, in.shapes, in.present);
    DeviceTensors dev;
    std::vector<TensorView> din, dout, dgrad(in.views.size());
    for (const auto& v : in.views) din.push_back(dev.upload(v, name));
    for (const auto& s : shapes) dout.push_back(dev.alloc(s, name));
    run_forward(Backend::cuda, op, OpArgs{din, dout, Workspace{}});
    const bool fwd = info[3].IsNull() || info[3].IsUndefined();
    if (!fwd) {
      const std::vector<bool> want =
          read_need_grad(info[3], op, in, "cudaTimeOp", "needGrad must be null or an array of booleans");
      for (size_t i = 0; i < want.size(); ++i)
        if (want[i]) dgrad[i] = dev.alloc(in.shapes[i], name);
    }
    auto once = [&]() {
      if (fwd) run_forward(Backend::cuda, op, OpArgs{din, dout, Workspace{}});
      else run_backward(Backend::cuda, op, OpGradArgs{din, dout, dout, dgrad, Workspace{}});
    };
    for (int i = 0; i < warmup; ++i) once();
    cuda::synchronize(name);
    Napi::Array ms = Napi::Array::New(env, static_cast<size_t>(repeats));
    for (int i = 0; i < repeats; ++i) ms.Set(static_cast<uint32_t>(i), cuda::time_ms(once));
    cuda::synchronize(name);
    return ms;
#else
    (void)op;
    return env.Undefined();
#endif
  });
}

}  // namespace

void init_cuda_ops(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaOps", Napi::Function::New(env, cuda_ops_js));
  exports.Set("cudaRunForward", Napi::Function::New(env, cuda_run_forward_js));
  exports.Set("cudaRunBackward", Napi::Function::New(env, cuda_run_backward_js));
  exports.Set("cudaTimeOp", Napi::Function::New(env, cuda_time_op_js));
}

}  // namespace deepsc::binding
