// Eager, synchronous op calls on JS-owned Float32Arrays (zero-copy), on the device the call
// names: the arguments are checked once (eager_call.cpp), then the CPU path below runs or the
// CUDA path (cuda_ops.cpp) takes over. Used by the op tests, the kernel benchmarks and small
// host-side computations; training goes through the graph executor instead. On the CPU, inputs
// are read in place; outputs and gradients are written into arrays the caller passes (reused
// across calls: no allocation, no zero-fill, nothing faulted in) or into fresh arrays; kernel
// workspaces come from one grow-only buffer per thread.
#include "binding/ops.h"

#include "binding/convert.h"
#include "binding/cuda_ops.h"
#include "binding/eager_call.h"
#include "deepsc/backward_reads.h"
#include "deepsc/registry.h"

namespace deepsc::binding {

namespace {

// The workspace of eager calls: grown to the largest request and kept, so a call allocates
// (and page-faults) nothing once warm. Per thread: the eager calls are synchronous on the JS
// thread, but workers may run their own.
Workspace eager_workspace(int64_t floats, const std::string& op) {
  thread_local AlignedBuffer buf;
  thread_local int64_t have = 0;
  if (floats <= 0) return {};
  if (floats > have) {
    buf = alloc_floats(floats, op);
    have = floats;
  }
  return {buf.get(), floats};
}

bool overlaps(const TensorView& a, const TensorView& b) {
  if (!a.present() || !b.present() || a.numel() == 0 || b.numel() == 0) return false;
  return a.data < b.data + b.numel() && b.data < a.data + a.numel();
}

// Caller-owned destinations (`what`: "outputs" / "gradInputs"), one per expected shape (`want`
// false: none expected there); null entries are allocated fresh. Each must have its shape and
// share no memory with any input or with another destination (kernels read inputs while they
// write). Returns the views; `result` gets the JS objects (given or new).
std::vector<TensorView> destinations(Napi::Env env, const Napi::Value& given, const OpInstance& op,
                                     const std::vector<Shape>& shapes, const std::vector<bool>& want,
                                     const std::vector<TensorView>& reads, const std::string& what,
                                     Napi::Array result) {
  const std::string name = op_name(op);
  const bool have = !(given.IsUndefined() || given.IsNull());
  if (have && (!given.IsArray() || given.As<Napi::Array>().Length() != shapes.size()))
    fail(ErrorKind::Type, name, what + " must be an array of " + std::to_string(shapes.size()) + " tensors or nulls");
  std::vector<TensorView> views(shapes.size());
  for (uint32_t i = 0; i < shapes.size(); ++i) {
    if (!want[i]) {
      result.Set(i, env.Null());
      continue;
    }
    Napi::Value v = have ? given.As<Napi::Array>().Get(i) : env.Null();
    if (v.IsNull() || v.IsUndefined()) {
      result.Set(i, new_tensor(env, shapes[i], &views[i]));
      continue;
    }
    bool present = false;
    const std::string label = what + "[" + std::to_string(i) + "]";
    views[i] = to_view(v, name, label, &present);
    if (views[i].shape != shapes[i])
      fail(ErrorKind::Type, name, label + " has shape " + views[i].shape.str() + ", expected " + shapes[i].str());
    for (const TensorView& r : reads)
      if (overlaps(views[i], r)) fail(ErrorKind::Type, name, label + " shares memory with a tensor the call reads (an input" + std::string(what == "outputs" ? "" : ", output or output gradient") + "); pass a separate array");
    for (uint32_t j = 0; j < i; ++j)
      if (overlaps(views[i], views[j]))
        fail(ErrorKind::Type, name, label + " shares memory with " + what + "[" + std::to_string(j) + "]");
    result.Set(i, v);
  }
  return views;
}

}  // namespace

Napi::Value infer_shapes_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    std::string name = info[0].As<Napi::String>().Utf8Value();
    OpInstance op = make_op(name, to_attrs(info[1], name));
    Napi::Array a = info[2].As<Napi::Array>();
    std::vector<Shape> shapes;
    std::vector<bool> present;
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value s = a.Get(i);
      present.push_back(!(s.IsNull() || s.IsUndefined()));
      shapes.push_back(present.back() ? to_shape(s, name, "input " + std::to_string(i)) : Shape{});
    }
    auto out = infer_shapes(op, shapes, present);
    Napi::Array r = Napi::Array::New(env, out.size());
    for (size_t i = 0; i < out.size(); ++i) r.Set(static_cast<uint32_t>(i), from_shape(env, out[i]));
    return r;
  });
}

Napi::Value run_forward_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const ForwardCall c = read_forward_call(info);
    if (c.device == Device::cuda) return cuda_forward(env, c);
    Napi::Array result = Napi::Array::New(env, c.shapes.size());
    const Napi::Value given = info.Length() > 4 ? info[4] : env.Undefined();
    std::vector<TensorView> outs = destinations(env, given, c.op, c.shapes, std::vector<bool>(c.shapes.size(), true),
                                                c.in.views, "outputs", result);
    const Workspace ws = eager_workspace(workspace_floats(c.op, c.in.shapes, Pass::forward), c.name);
    run_forward(Backend::cpu, c.op, OpArgs{c.in.views, outs, ws});
    return result;
  });
}

Napi::Value run_backward_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const BackwardCall c = read_backward_call(info);
    if (c.device == Device::cuda) return cuda_backward(env, c);
    // Absent output gradients are zero: give the kernel real zeros so it needs no special case.
    std::vector<TensorView> gout = c.gout.views;
    std::vector<AlignedBuffer> zeros;
    for (size_t i = 0; i < c.shapes.size(); ++i)
      if (!c.gout.present[i]) {
        zeros.push_back(alloc_floats(c.shapes[i].size(), c.name));
        std::fill_n(zeros.back().get(), c.shapes[i].size(), 0.f);
        gout[i] = {zeros.back().get(), c.shapes[i]};
      }
    Napi::Array result = Napi::Array::New(env, c.in.views.size());
    std::vector<TensorView> reads = c.in.views;
    reads.insert(reads.end(), c.out.views.begin(), c.out.views.end());
    reads.insert(reads.end(), gout.begin(), gout.end());
    const Napi::Value given = info.Length() > 7 ? info[7] : env.Undefined();
    std::vector<TensorView> grads = destinations(env, given, c.op, c.in.shapes, c.want, reads, "gradInputs", result);
    const Workspace ws = eager_workspace(workspace_floats(c.op, c.in.shapes, Pass::backward), c.name);
    run_backward(Backend::cpu, c.op, OpGradArgs{c.in.views, c.out.views, gout, grads, ws});
    return result;
  });
}

Napi::Value backward_reads_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 4 || !info[0].IsString() || !info[1].IsArray())
      fail(ErrorKind::Type, "backwardReads", "expected (op, needGrad, inputs, outputs)");
    const std::string name = info[0].As<Napi::String>().Utf8Value();
    const OpKind kind = op_kind(name);
    // A plugin op's reads do not depend on its attributes: an instance without them will do.
    const OpInstance op = kind == OpKind::Plugin ? OpInstance{kind, PluginParams{plugin::find(name), nullptr}}
                                                 : OpInstance{kind, std::monostate{}};
    Napi::Array need = info[1].As<Napi::Array>();
    std::vector<bool> want(need.Length());
    for (uint32_t i = 0; i < need.Length(); ++i) want[i] = need.Get(i).ToBoolean().Value();
    const int inputs = read_call_count(info[2], "backwardReads", "inputs", 0, 1024);
    const int outputs = read_call_count(info[3], "backwardReads", "outputs", 0, 1024);
    const BackwardReads r = backward_reads(op, want, static_cast<size_t>(inputs), static_cast<size_t>(outputs));
    Napi::Object o = Napi::Object::New(env);
    Napi::Array in = Napi::Array::New(env, r.in.size()), out = Napi::Array::New(env, r.out.size());
    for (size_t i = 0; i < r.in.size(); ++i) in.Set(static_cast<uint32_t>(i), Napi::Boolean::New(env, r.in[i]));
    for (size_t k = 0; k < r.out.size(); ++k) out.Set(static_cast<uint32_t>(k), Napi::Boolean::New(env, r.out[k]));
    o.Set("inputs", in);
    o.Set("outputs", out);
    return o;
  });
}

}  // namespace deepsc::binding
