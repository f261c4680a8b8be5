// Op plugins from JS: loadOpLibrary(path) loads a plugin library (src/plugin/) and describes
// its ops; opLibraries() lists what is loaded.
#include "binding/plugins.h"

#include "binding/convert.h"
#include "deepsc/plugin_op.h"

namespace deepsc::binding {

namespace {

const char* attr_type(int32_t t) {
  switch (t) {
    case DEEPSC_ATTR_INT: return "int";
    case DEEPSC_ATTR_FLOAT: return "float";
    case DEEPSC_ATTR_BOOL: return "bool";
    case DEEPSC_ATTR_STRING: return "string";
    case DEEPSC_ATTR_INTS: return "int[]";
    case DEEPSC_ATTR_FLOATS: return "float[]";
  }
  return "?";
}

Napi::Value attr_default(Napi::Env env, const deepsc_attr_def& a) {
  if (a.required) return env.Undefined();
  const deepsc_attr_value& v = a.default_value;
  switch (a.type) {
    case DEEPSC_ATTR_INT: return Napi::Number::New(env, static_cast<double>(v.i));
    case DEEPSC_ATTR_FLOAT: return Napi::Number::New(env, v.f);
    case DEEPSC_ATTR_BOOL: return Napi::Boolean::New(env, v.b != 0);
    case DEEPSC_ATTR_STRING: return Napi::String::New(env, v.s);
    case DEEPSC_ATTR_INTS:
    case DEEPSC_ATTR_FLOATS: {
      Napi::Array arr = Napi::Array::New(env, static_cast<size_t>(v.count));
      for (int64_t j = 0; j < v.count; ++j)
        arr.Set(static_cast<uint32_t>(j),
                Napi::Number::New(env, a.type == DEEPSC_ATTR_INTS ? static_cast<double>(v.ints[j]) : v.floats[j]));
      return arr;
    }
  }
  return env.Undefined();
}

Napi::Object describe_op(Napi::Env env, const PluginOp& op) {
  const deepsc_op_def& d = op.def;
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", op.name);
  Napi::Array inputs = Napi::Array::New(env, op.signature.inputs.size());
  for (size_t i = 0; i < op.signature.inputs.size(); ++i) {
    const InputSpec& s = op.signature.inputs[i];
    Napi::Object in = Napi::Object::New(env);
    in.Set("name", s.name);
    in.Set("optional", s.optional);
    in.Set("differentiable", s.differentiable);
    inputs.Set(static_cast<uint32_t>(i), in);
  }
  o.Set("inputs", inputs);
  o.Set("outputs", d.num_outputs);
  Napi::Array attrs = Napi::Array::New(env, static_cast<size_t>(d.num_attrs));
  for (int32_t k = 0; k < d.num_attrs; ++k) {
    Napi::Object a = Napi::Object::New(env);
    a.Set("name", d.attrs[k].name);
    a.Set("type", attr_type(d.attrs[k].type));
    a.Set("required", d.attrs[k].required != 0);
    Napi::Value dflt = attr_default(env, d.attrs[k]);
    if (!dflt.IsUndefined()) a.Set("default", dflt);
    attrs.Set(static_cast<uint32_t>(k), a);
  }
  o.Set("attributes", attrs);
  o.Set("deterministic", (d.flags & DEEPSC_OP_DETERMINISTIC) != 0);
  o.Set("backward", d.cpu_backward != nullptr);
  o.Set("cuda", d.cuda_forward != nullptr);
  return o;
}

Napi::Object describe_library(Napi::Env env, const PluginLibrary& lib) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("path", lib.path);
  o.Set("name", lib.name);
  o.Set("abiVersion", DEEPSC_PLUGIN_ABI_VERSION);
  Napi::Array ops = Napi::Array::New(env, lib.ops.size());
  for (size_t i = 0; i < lib.ops.size(); ++i) ops.Set(static_cast<uint32_t>(i), describe_op(env, *lib.ops[i]));
  o.Set("ops", ops);
  return o;
}

Napi::Value load_op_library_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) fail(ErrorKind::Type, "loadOpLibrary", "expected a path (string)");
    return describe_library(env, plugin::load_library(info[0].As<Napi::String>().Utf8Value()));
  });
}

Napi::Value op_libraries_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const auto libs = plugin::libraries();
    Napi::Array arr = Napi::Array::New(env, libs.size());
    for (size_t i = 0; i < libs.size(); ++i) arr.Set(static_cast<uint32_t>(i), describe_library(env, *libs[i]));
    return arr;
  });
}

}  // namespace

void init_plugins(Napi::Env env, Napi::Object exports) {
  exports.Set("loadOpLibrary", Napi::Function::New(env, load_op_library_js));
  exports.Set("opLibraries", Napi::Function::New(env, op_libraries_js));
  exports.Set("pluginAbiVersion", Napi::Number::New(env, DEEPSC_PLUGIN_ABI_VERSION));
}

}  // namespace deepsc::binding
