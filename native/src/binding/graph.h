#pragma once
#include <napi.h>

namespace deepsc::binding {
/// Adds the NativeModel class (compiled graphs) to `exports`.
void init_graph(Napi::Env env, Napi::Object exports);
}  // namespace deepsc::binding
