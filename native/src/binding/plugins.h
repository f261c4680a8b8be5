#pragma once
#include <napi.h>

namespace deepsc::binding {

/// loadOpLibrary(path) and opLibraries(): op plugins (deepsc/plugin.h).
void init_plugins(Napi::Env env, Napi::Object exports);

}  // namespace deepsc::binding
