#include "binding/convert.h"

#include <cmath>

namespace deepsc::binding {

Shape to_shape(const Napi::Value& v, const std::string& op, const std::string& what) {
  if (!v.IsArray()) fail(ErrorKind::Type, op, what + " shape must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() > 8) fail(ErrorKind::Range, op, what + " shape has " + std::to_string(a.Length()) + " dims (at most 8)");
  Shape s;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value d = a.Get(i);
    if (!d.IsNumber()) fail(ErrorKind::Type, op, what + " shape[" + std::to_string(i) + "] is not a number");
    double x = d.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(x) || x != std::floor(x))
      fail(ErrorKind::Type, op, what + " shape[" + std::to_string(i) + "] = " + std::to_string(x) + " is not an integer");
    if (x < 0) fail(ErrorKind::Range, op, what + " shape[" + std::to_string(i) + "] = " + std::to_string(x) + " is negative");
    if (x > 9.0e15) fail(ErrorKind::Range, op, what + " shape[" + std::to_string(i) + "] is too large");
    s.dims.push_back(static_cast<int64_t>(x));
  }
  s.numel(op);
  return s;
}

Napi::Array from_shape(const Napi::Env& env, const Shape& s) {
  Napi::Array a = Napi::Array::New(env, s.dims.size());
  for (size_t i = 0; i < s.dims.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, double(s.dims[i])));
  return a;
}

Attrs to_attrs(const Napi::Value& v, const std::string& op) {
  Attrs attrs(op);
  if (v.IsUndefined() || v.IsNull()) return attrs;
  if (!v.IsObject() || v.IsArray()) fail(ErrorKind::Type, op, "attributes must be a plain object");
  Napi::Object o = v.As<Napi::Object>();
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
    Napi::Value x = o.Get(k);
    if (x.IsUndefined()) continue;
    if (x.IsBoolean()) attrs.set(k, x.As<Napi::Boolean>().Value());
    else if (x.IsNumber()) attrs.set(k, x.As<Napi::Number>().DoubleValue());
    else if (x.IsString()) attrs.set(k, x.As<Napi::String>().Utf8Value());
    else if (x.IsArray()) {
      Napi::Array a = x.As<Napi::Array>();
      std::vector<double> nums;
      for (uint32_t j = 0; j < a.Length(); ++j) {
        Napi::Value e = a.Get(j);
        if (!e.IsNumber()) fail(ErrorKind::Type, op, "attribute '" + k + "' must be an array of numbers");
        nums.push_back(e.As<Napi::Number>().DoubleValue());
      }
      attrs.set(k, std::move(nums));
    } else {
      fail(ErrorKind::Type, op, "attribute '" + k + "' has an unsupported type (number, boolean, string or number[])");
    }
  }
  return attrs;
}

TensorView to_view(const Napi::Value& v, const std::string& op, const std::string& what, bool* present) {
  *present = false;
  if (v.IsUndefined() || v.IsNull()) return {};
  if (!v.IsObject()) fail(ErrorKind::Type, op, what + " must be { data: Float32Array, shape: number[] }");
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value data = o.Get("data");
  if (!data.IsTypedArray()) fail(ErrorKind::Type, op, what + ".data must be a Float32Array");
  Napi::TypedArray ta = data.As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float32_array) {
    static const char* names[] = {"Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
                                  "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array",
                                  "BigUint64Array"};
    int t = static_cast<int>(ta.TypedArrayType());
    fail(ErrorKind::Type, op,
         what + ".data must be a Float32Array (float32), got " + (t >= 0 && t <= 10 ? names[t] : "another typed array"));
  }
  Shape s = to_shape(o.Get("shape"), op, what);
  Napi::Float32Array f = data.As<Napi::Float32Array>();
  if (static_cast<int64_t>(f.ElementLength()) != s.size())
    fail(ErrorKind::Type, op,
         what + " has " + std::to_string(f.ElementLength()) + " elements but shape " + s.str() + " needs " +
             std::to_string(s.size()));
  *present = true;
  return {f.Data(), s};
}

OpTensors read_op_tensors(const Napi::Value& v, const OpInstance& op, const std::string& what) {
  const char* name = op_name(op);
  if (!v.IsArray()) fail(ErrorKind::Type, name, what + " must be an array");
  Napi::Array a = v.As<Napi::Array>();
  const OpSignature& sig = op_signature(op);
  OpTensors r;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const size_t spec = i < sig.inputs.size() ? i : sig.inputs.size() - 1;
    std::string label = what == "inputs" && !sig.inputs.empty() ? "input '" + std::string(sig.inputs[spec].name) + "'"
                                                                 : what + "[" + std::to_string(i) + "]";
    bool present = false;
    r.views.push_back(to_view(a.Get(i), name, label, &present));
    r.shapes.push_back(r.views.back().shape);
    r.present.push_back(present);
  }
  return r;
}

std::vector<bool> read_need_grad(const Napi::Value& need, const OpInstance& op, const OpTensors& in,
                                 const char* fn, const char* expected) {
  if (!need.IsArray()) fail(ErrorKind::Type, fn, expected);
  Napi::Array a = need.As<Napi::Array>();
  const OpSignature& sig = op_signature(op);
  std::vector<bool> want(in.views.size(), false);
  for (uint32_t i = 0; i < in.views.size(); ++i) {
    const InputSpec& spec = sig.inputs[i < sig.inputs.size() ? i : sig.inputs.size() - 1];
    const bool asked = i < a.Length() && a.Get(i).ToBoolean().Value();
    if (asked && !spec.differentiable)
      fail(ErrorKind::Type, op_name(op), std::string("input '") + spec.name + "' has no gradient");
    want[i] = asked && in.present[i];
  }
  return want;
}

int read_call_count(const Napi::Value& v, const char* fn, const char* what, int lo, int hi) {
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= lo && d <= hi && d == static_cast<double>(static_cast<int>(d))))
    fail(ErrorKind::Range, fn,
         std::string(what) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
             v.ToString().Utf8Value());
  return static_cast<int>(d);
}

Napi::Object new_tensor(const Napi::Env& env, const Shape& s, TensorView* view) {
  Napi::Float32Array f = Napi::Float32Array::New(env, static_cast<size_t>(s.size()));
  Napi::Object o = Napi::Object::New(env);
  o.Set("data", f);
  o.Set("shape", from_shape(env, s));
  *view = {f.Data(), s};
  return o;
}

}  // namespace deepsc::binding
