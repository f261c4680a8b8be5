// The CUDA path of the eager calls (runForward / runBackward / timeOp with device 'cuda'), for
// the CUDA-vs-CPU op tests and the GPU benchmark: the JS-owned inputs are copied to fresh device
// buffers, the kernel runs, the outputs are copied back into new JS tensors. Training goes through
// the graph executor instead (which keeps tensors on the device). The arguments were checked
// once, for both devices, by eager_call.cpp.
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

void require_cuda(const OpInstance& op) {
  const std::string name = op_name(op);
  // A plugin op's kernels are the plugin's, whatever this addon was built with.
  if (op.kind == OpKind::Plugin && !supports_op(Backend::cuda, op))
    fail(ErrorKind::Runtime, name,
         "has no CUDA kernels (plugin " + std::get<PluginParams>(op.params).op->library + " gives none); it runs on the CPU");
#ifdef DEEPSC_HAVE_CUDA
  if (!supports_op(Backend::cuda, op)) {
    std::string list;
    for (const auto& n : cuda::op_names()) list += (list.empty() ? "" : ", ") + n;
    fail(ErrorKind::Runtime, name, "no CUDA kernel for this op yet (ops with CUDA kernels: " + list + ")");
  }
  cuda::require_device(name);
#else
  fail(ErrorKind::Runtime, name,
       "no CUDA device: this addon was built without the CUDA backend (nvcc was not found at build time; rebuild "
       "with DEEPSC_CUDA=1 and CUDA installed)");
#endif
}

namespace {

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

}  // namespace

#ifdef DEEPSC_HAVE_CUDA

Napi::Value cuda_forward(Napi::Env env, const ForwardCall& c) {
  DeviceTensors dev;
  std::vector<TensorView> din, dout;
  for (const auto& v : c.in.views) din.push_back(dev.upload(v, c.name));
  for (const auto& s : c.shapes) dout.push_back(dev.alloc(s, c.name));
  run_forward(Backend::cuda, c.op, OpArgs{din, dout, Workspace{}});
  cuda::synchronize(c.name);
  // Inputs come back too: an op that updates an input in place (batch_norm's running
  // statistics in train mode) does so on the JS arrays, as on the CPU, and a kernel that
  // wrongly writes an input shows in the CUDA-vs-CPU comparison.
  for (size_t i = 0; i < din.size(); ++i)
    if (c.in.present[i]) cuda::copy_to_host(c.in.views[i].data, din[i].data, c.in.views[i].numel());
  Napi::Array result = Napi::Array::New(env, c.shapes.size());
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    TensorView host;
    result.Set(static_cast<uint32_t>(i), new_tensor(env, c.shapes[i], &host));
    cuda::copy_to_host(host.data, dout[i].data, c.shapes[i].size());
  }
  return result;
}

Napi::Value cuda_backward(Napi::Env env, const BackwardCall& c) {
  DeviceTensors dev;
  std::vector<TensorView> din, dout, dgout, dgrad(c.in.views.size());
  for (const auto& v : c.in.views) din.push_back(dev.upload(v, c.name));
  for (const auto& v : c.out.views) dout.push_back(dev.upload(v, c.name));
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    if (c.gout.present[i]) {
      dgout.push_back(dev.upload(c.gout.views[i], c.name));
    } else {  // absent output gradients are zero
      dgout.push_back(dev.alloc(c.shapes[i], c.name));
      cuda::fill_zero(dgout.back().data, c.shapes[i].size());
    }
  }
  for (size_t i = 0; i < c.in.views.size(); ++i)
    if (c.want[i]) dgrad[i] = dev.alloc(c.in.shapes[i], c.name);
  run_backward(Backend::cuda, c.op, OpGradArgs{din, dout, dgout, dgrad, Workspace{}});
  cuda::synchronize(c.name);
  Napi::Array result = Napi::Array::New(env, c.in.views.size());
  for (uint32_t i = 0; i < c.in.views.size(); ++i) {
    if (!c.want[i]) {
      result.Set(i, env.Null());
      continue;
    }
    TensorView host;
    result.Set(i, new_tensor(env, c.in.shapes[i], &host));
    cuda::copy_to_host(host.data, dgrad[i].data, c.in.shapes[i].size());
  }
  return result;
}

// dL/d(out) of a timed backward is the forward's output itself (the values do not matter for
// timing).
Napi::Value cuda_time_op(Napi::Env env, const ForwardCall& c, const std::vector<bool>* want, int warmup,
                         int repeats) {
  DeviceTensors dev;
  std::vector<TensorView> din, dout, dgrad(c.in.views.size());
  for (const auto& v : c.in.views) din.push_back(dev.upload(v, c.name));
  for (const auto& s : c.shapes) dout.push_back(dev.alloc(s, c.name));
  run_forward(Backend::cuda, c.op, OpArgs{din, dout, Workspace{}});
  if (want)
    for (size_t i = 0; i < want->size(); ++i)
      if ((*want)[i]) dgrad[i] = dev.alloc(c.in.shapes[i], c.name);
  auto once = [&]() {
    if (!want) run_forward(Backend::cuda, c.op, OpArgs{din, dout, Workspace{}});
    else run_backward(Backend::cuda, c.op, OpGradArgs{din, dout, dout, dgrad, Workspace{}});
  };
  for (int i = 0; i < warmup; ++i) once();
  cuda::synchronize(c.name);
  Napi::Array ms = Napi::Array::New(env, static_cast<size_t>(repeats));
  for (int i = 0; i < repeats; ++i) ms.Set(static_cast<uint32_t>(i), cuda::time_ms(once));
  cuda::synchronize(c.name);
  return ms;
}

#else  // require_cuda refused the call before any of these could be reached.

Napi::Value cuda_forward(Napi::Env env, const ForwardCall& c) {
  require_cuda(c.op);
  return env.Undefined();
}
Napi::Value cuda_backward(Napi::Env env, const BackwardCall& c) {
  require_cuda(c.op);
  return env.Undefined();
}
Napi::Value cuda_time_op(Napi::Env env, const ForwardCall& c, const std::vector<bool>*, int, int) {
  require_cuda(c.op);
  return env.Undefined();
}

#endif

void init_cuda_ops(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaOps", Napi::Function::New(env, cuda_ops_js));
}

}  // namespace deepsc::binding
