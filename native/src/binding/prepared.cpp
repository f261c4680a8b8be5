// Prepared op calls: an op, its attributes and its input shapes bound once (parsed, validated,
// output shapes inferred, workspaces sized), then forward / backward on caller-owned
// Float32Arrays with no attribute parsing, shape inference or allocation per call. A call
// checks only what can change between calls: that each array is a Float32Array of the bound
// length, that optional inputs are present as at prepare time, and that nothing it writes
// shares memory with what it reads. The eager runForward / runBackward redo all of it on every
// call, a fixed 10-15 us that dominates small layers.
#include "binding/prepared.h"

#include "binding/convert.h"
#include "deepsc/registry.h"
#include "graph/memory.h"

namespace deepsc::binding {

namespace {

bool overlaps(const TensorView& a, const TensorView& b) {
  if (!a.present() || !b.present() || a.numel() == 0 || b.numel() == 0) return false;
  return a.data < b.data + b.numel() && b.data < a.data + a.numel();
}

class PreparedOp : public Napi::ObjectWrap<PreparedOp> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "PreparedOp",
                       {
                           InstanceMethod("forward", &PreparedOp::forward),
                           InstanceMethod("backward", &PreparedOp::backward),
                           InstanceMethod("dispose", &PreparedOp::dispose),
                           InstanceAccessor("op", &PreparedOp::op_js, nullptr),
                           InstanceAccessor("inputShapes", &PreparedOp::input_shapes, nullptr),
                           InstanceAccessor("outputShapes", &PreparedOp::output_shapes, nullptr),
                           InstanceAccessor("disposed", &PreparedOp::disposed_js, nullptr),
                       });
  }

  explicit PreparedOp(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PreparedOp>(info) {
    Napi::Env env = info.Env();
    guarded(env, [&]() -> Napi::Value {
      if (info.Length() < 3 || !info[0].IsString() || !info[2].IsArray())
        fail(ErrorKind::Type, "prepare", "expected (op, attrs, inputShapes)");
      name_ = info[0].As<Napi::String>().Utf8Value();
      op_ = make_op(name_, to_attrs(info[1], name_));
      Napi::Array a = info[2].As<Napi::Array>();
      std::vector<bool> present;
      for (uint32_t i = 0; i < a.Length(); ++i) {
        const Napi::Value s = a.Get(i);
        present.push_back(!(s.IsNull() || s.IsUndefined()));
        in_shapes_.push_back(present.back() ? to_shape(s, name_, "inputShapes[" + std::to_string(i) + "]") : Shape{});
      }
      out_shapes_ = infer_shapes(op_, in_shapes_, present);
      fws_floats_ = workspace_floats(op_, in_shapes_, Pass::forward);
      bws_floats_ = workspace_floats(op_, in_shapes_, Pass::backward);
      const OpSignature& sig = op_signature(op_);
      for (size_t i = 0; i < in_shapes_.size(); ++i) {
        const InputSpec& spec = sig.inputs[i < sig.inputs.size() ? i : sig.inputs.size() - 1];
        in_labels_.push_back("input '" + std::string(spec.name) + "'");
        differentiable_.push_back(spec.differentiable);
        in_.push_back({nullptr, in_shapes_[i]});
        gin_.push_back({nullptr, in_shapes_[i]});
        present_.push_back(present[i]);
        absent_.push_back(!present[i]);
        all_.push_back(true);
      }
      for (const Shape& s : out_shapes_) {
        out_.push_back({nullptr, s});
        gout_.push_back({nullptr, s});
      }
      return env.Undefined();
    });
  }

 private:
  // Errors name the call: "conv3d (prepared) forward".
  std::string where(const char* pass) const { return name_ + " (prepared) " + pass; }

  void check_live(const char* pass) const {
    if (disposed_) fail(ErrorKind::Runtime, where(pass), "this prepared op was disposed; prepare it again");
  }

  // Points `views` at the Float32Arrays of `v` (null entries allowed where `may_be_null[i]`,
  // else required; entries where `absent[i]` must be null), each of its view's bound length.
  // Allocates nothing on success.
  void bind(const Napi::Value& v, std::vector<TensorView>& views, const char* pass, const char* what,
            const std::vector<bool>* may_be_null, const std::vector<std::string>* labels,
            const std::vector<bool>* absent = nullptr) const {
    if (!v.IsArray())
      fail(ErrorKind::Type, where(pass), std::string(what) + " must be an array of " + std::to_string(views.size()) + " Float32Arrays");
    Napi::Array a = v.As<Napi::Array>();
    if (a.Length() != views.size())
      fail(ErrorKind::Type, where(pass),
           std::string(what) + " has " + std::to_string(a.Length()) + " entries, expected " + std::to_string(views.size()));
    const napi_env env = v.Env();
    for (uint32_t i = 0; i < views.size(); ++i) {
      // Raw N-API, two calls per Float32Array (the element, its typed-array info); what a
      // value that is not one is (null, another typed array, anything else) is found only
      // on that path.
      napi_value e = nullptr;
      if (napi_get_element(env, a, i, &e) != napi_ok) fail(ErrorKind::Runtime, where(pass), std::string("cannot read ") + what);
      auto label = [&] { return labels ? (*labels)[i] : std::string(what) + "[" + std::to_string(i) + "]"; };
      napi_typedarray_type ta = napi_int8_array;
      size_t length = 0;
      void* data = nullptr;
      if (napi_get_typedarray_info(env, e, &ta, &length, &data, nullptr, nullptr) != napi_ok) {
        napi_valuetype type = napi_undefined;
        if (napi_typeof(env, e, &type) != napi_ok) fail(ErrorKind::Runtime, where(pass), std::string("cannot read ") + what);
        if (type != napi_null && type != napi_undefined) fail(ErrorKind::Type, where(pass), label() + " must be a Float32Array");
        if (!may_be_null || !(*may_be_null)[i])
          fail(ErrorKind::Type, where(pass), label() + " is missing: expected a Float32Array of " +
                                                 std::to_string(views[i].numel()) + " elements (shape " + views[i].shape.str() + ")");
        views[i].data = nullptr;
        continue;
      }
      if (absent && (*absent)[i]) fail(ErrorKind::Type, where(pass), label() + " was absent (null) at prepare; pass null");
      if (ta != napi_float32_array) fail(ErrorKind::Type, where(pass), label() + " must be a Float32Array");
      if (static_cast<int64_t>(length) != views[i].numel())
        fail(ErrorKind::Type, where(pass), label() + " has " + std::to_string(length) + " elements, expected " +
                                               std::to_string(views[i].numel()) + " (shape " + views[i].shape.str() +
                                               " bound at prepare)");
      views[i].data = static_cast<float*>(data);
      // A zero-length array may have no data pointer: still present.
      if (!views[i].data) views[i].data = reinterpret_cast<float*>(alignof(float));
    }
  }

  void bind_inputs(const Napi::Value& v, const char* pass) { bind(v, in_, pass, "inputs", &absent_, &in_labels_, &absent_); }

  // Each written view must not share memory with any read view, nor with an earlier written one.
  void check_disjoint(const char* pass, const char* what, const std::vector<TensorView>& written,
                      std::initializer_list<const std::vector<TensorView>*> reads) const {
    for (size_t i = 0; i < written.size(); ++i) {
      for (const auto* r : reads)
        for (const TensorView& x : *r)
          if (overlaps(written[i], x))
            fail(ErrorKind::Type, where(pass), std::string(what) + "[" + std::to_string(i) +
                                                   "] shares memory with a tensor the call reads; pass a separate array");
      for (size_t j = 0; j < i; ++j)
        if (overlaps(written[i], written[j]))
          fail(ErrorKind::Type, where(pass), std::string(what) + "[" + std::to_string(i) + "] shares memory with " + what +
                                                 "[" + std::to_string(j) + "]");
    }
  }

  // The workspace of a pass, sized at prepare (sizing a convolution's plans its tiles: as costly
  // as a small layer's kernel), allocated by the pass's first call.
  Workspace workspace(int64_t n, graph::TrackedBuffer& buf) {
    if (n <= 0) return {};
    if (buf.floats() < n) buf = graph::TrackedBuffer(n, graph::MemoryCategory::arenas, name_);  // first call only
    return {buf.data(), n};
  }

  /// forward(inputs, outputs): writes every output.
  Napi::Value forward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      check_live("forward");
      if (info.Length() < 2) fail(ErrorKind::Type, where("forward"), "expected (inputs, outputs)");
      bind_inputs(info[0], "forward");
      bind(info[1], out_, "forward", "outputs", nullptr, nullptr);
      check_disjoint("forward", "outputs", out_, {&in_});
      run_forward(Backend::cpu, op_, OpArgs{in_, out_, workspace(fws_floats_, fws_)});
      return env.Undefined();
    });
  }

  /// backward(inputs, outputs, gradOutputs, gradInputs): writes gradInputs[i] where it is not null.
  Napi::Value backward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      check_live("backward");
      if (info.Length() < 4) fail(ErrorKind::Type, where("backward"), "expected (inputs, outputs, gradOutputs, gradInputs)");
      bind_inputs(info[0], "backward");
      bind(info[1], out_, "backward", "outputs", nullptr, nullptr);
      bind(info[2], gout_, "backward", "gradOutputs", nullptr, nullptr);
      bind(info[3], gin_, "backward", "gradInputs", &all_, nullptr);
      bool any = false;
      for (size_t i = 0; i < gin_.size(); ++i) {
        if (!gin_[i].present()) continue;
        if (!present_[i])
          fail(ErrorKind::Type, where("backward"), in_labels_[i] + " is absent; pass null in gradInputs[" + std::to_string(i) + "]");
        if (!differentiable_[i])
          fail(ErrorKind::Type, where("backward"), in_labels_[i] + " has no gradient; pass null in gradInputs[" + std::to_string(i) + "]");
        any = true;
      }
      if (!any) fail(ErrorKind::Type, where("backward"), "gradInputs asks for no gradient (every entry null)");
      check_disjoint("backward", "gradInputs", gin_, {&in_, &out_, &gout_});
      run_backward(Backend::cpu, op_, OpGradArgs{in_, out_, gout_, gin_, workspace(bws_floats_, bws_)});
      return env.Undefined();
    });
  }

  Napi::Value dispose(const Napi::CallbackInfo& info) {
    disposed_ = true;
    fws_.reset();
    bws_.reset();
    return info.Env().Undefined();
  }

  Napi::Value op_js(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), name_); }
  Napi::Value disposed_js(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed_); }

  Napi::Value input_shapes(const Napi::CallbackInfo& info) {
    Napi::Array r = Napi::Array::New(info.Env(), in_shapes_.size());
    for (size_t i = 0; i < in_shapes_.size(); ++i)
      r.Set(static_cast<uint32_t>(i), present_[i] ? Napi::Value(from_shape(info.Env(), in_shapes_[i])) : info.Env().Null());
    return r;
  }

  Napi::Value output_shapes(const Napi::CallbackInfo& info) {
    Napi::Array r = Napi::Array::New(info.Env(), out_shapes_.size());
    for (size_t i = 0; i < out_shapes_.size(); ++i) r.Set(static_cast<uint32_t>(i), from_shape(info.Env(), out_shapes_[i]));
    return r;
  }

  std::string name_;
  OpInstance op_{};
  std::vector<Shape> in_shapes_, out_shapes_;
  std::vector<std::string> in_labels_;
  std::vector<bool> present_, absent_, differentiable_;
  std::vector<bool> all_;  // per input, true: every gradInputs entry may be null
  std::vector<TensorView> in_, out_, gout_, gin_;  // bound once; a call sets only their data
  int64_t fws_floats_ = 0, bws_floats_ = 0;
  graph::TrackedBuffer fws_, bws_;  // workspaces, allocated by the first call of each pass
  bool disposed_ = false;
};

}  // namespace

void init_prepared(Napi::Env env, Napi::Object exports) { exports.Set("PreparedOp", PreparedOp::define(env)); }

}  // namespace deepsc::binding
