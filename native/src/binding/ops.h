#pragma once
#include <napi.h>

namespace deepsc::binding {
Napi::Value infer_shapes_js(const Napi::CallbackInfo& info);
Napi::Value run_forward_js(const Napi::CallbackInfo& info);
Napi::Value run_backward_js(const Napi::CallbackInfo& info);
Napi::Value backward_reads_js(const Napi::CallbackInfo& info);
}  // namespace deepsc::binding
