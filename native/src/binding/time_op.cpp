// timeOp: the kernel time of one op the way the graph executor runs it. On 'cuda' the CUDA path
// (cuda_ops.cpp) times it with CUDA events after the same argument checks. On the CPU, inputs,
// outputs, gradients and the workspace live in engine-owned buffers allocated once (the
// executor's arena memory); the timed loop is bare run_forward / run_backward calls on the calling thread and the
// engine pool, with no JS argument conversion and no fresh output arrays per call. The eager
// runForward / runBackward pay both on every call, which dominates ops of a few microseconds.
#include "binding/time_op.h"

#include <algorithm>
#include <chrono>

#include "binding/convert.h"
#include "binding/cuda_ops.h"
#include "binding/eager_call.h"
#include "deepsc/registry.h"

namespace deepsc::binding {

namespace {

// Most calls timeOp makes of either kind: enough for a stable median of a 10 us op, small
// enough that a typo cannot hang the process for hours.
constexpr int kMaxCalls = 100000;

// Engine-owned tensors (the stand-in for the executor's arena); owns the buffers.
struct Arena {
  std::vector<AlignedBuffer> bufs;
  TensorView alloc(const Shape& s, const std::string& op) {
    bufs.push_back(alloc_floats(s.size(), op));
    std::fill_n(bufs.back().get(), s.size(), 0.f);
    return {bufs.back().get(), s};
  }
  // A copy, so that ops updating an input in place (batch_norm's running statistics) leave
  // the caller's arrays as they were: the timed calls are not observable from JS.
  TensorView copy(const TensorView& v, const std::string& op) {
    if (!v.present()) return v;
    TensorView d = alloc(v.shape, op);
    std::copy_n(v.data, v.numel(), d.data);
    return d;
  }
};

}  // namespace

Napi::Value time_op_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 7 || !info[1].IsString())
      fail(ErrorKind::Type, "timeOp", "expected (device, op, attrs, inputs, needGrad | null, warmup, repeats)");
    const Device device = read_device(info[0], "timeOp");
    const std::string name = info[1].As<Napi::String>().Utf8Value();
    OpInstance op = make_op(name, to_attrs(info[2], name));
    if (device == Device::cuda) require_cuda(op);
    const int warmup = read_call_count(info[5], "timeOp", "warmup", 0, kMaxCalls);
    const int repeats = read_call_count(info[6], "timeOp", "repeats", 1, kMaxCalls);
    OpTensors in = read_op_tensors(info[3], op, "inputs");
    auto shapes = infer_shapes(op, in.shapes, in.present);
    const bool fwd = info[4].IsNull() || info[4].IsUndefined();
    const std::vector<bool> want =
        fwd ? std::vector<bool>(in.views.size(), false)
            : read_need_grad(info[4], op, in, "timeOp", "needGrad must be null or an array of booleans");
    if (device == Device::cuda)
      return cuda_time_op(env, ForwardCall{device, op, name, in, shapes}, fwd ? nullptr : &want, warmup, repeats);

    // Everything allocated once, before any timed call (as the executor's plan does).
    Arena arena;
    std::vector<TensorView> x, y, grads(in.views.size());
    for (const auto& v : in.views) x.push_back(arena.copy(v, name));
    for (const auto& s : shapes) y.push_back(arena.alloc(s, name));
    auto workspace = [&](Pass pass, AlignedBuffer* buf) {
      const int64_t n = workspace_floats(op, in.shapes, pass);
      if (n > 0) *buf = alloc_floats(n, name);
      return Workspace{buf->get(), n};
    };
    AlignedBuffer fws, bws;
    const Workspace fwd_ws = workspace(Pass::forward, &fws);
    const Workspace bwd_ws = fwd ? Workspace{} : workspace(Pass::backward, &bws);
    // The backward needs the forward's outputs; its dL/d(out) is the output itself (values do
    // not change the kernels' work).
    run_forward(Backend::cpu, op, OpArgs{x, y, fwd_ws});
    for (size_t i = 0; i < in.views.size(); ++i)
      if (want[i]) grads[i] = arena.alloc(in.shapes[i], name);

    auto once = [&]() {
      if (fwd) run_forward(Backend::cpu, op, OpArgs{x, y, fwd_ws});
      else run_backward(Backend::cpu, op, OpGradArgs{x, y, y, grads, bwd_ws});
    };
    for (int i = 0; i < warmup; ++i) once();
    std::vector<double> ms(static_cast<size_t>(repeats));
    for (int i = 0; i < repeats; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      once();
      ms[static_cast<size_t>(i)] =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    Napi::Array result = Napi::Array::New(env, ms.size());
    for (size_t i = 0; i < ms.size(); ++i) result.Set(static_cast<uint32_t>(i), ms[i]);
    return result;
  });
}

}  // namespace deepsc::binding
