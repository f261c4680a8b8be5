#pragma once
#include <napi.h>

namespace deepsc::binding {
/// Exports `PreparedOp` (prepared.cpp): an op bound once to its attributes and input shapes.
void init_prepared(Napi::Env env, Napi::Object exports);
}  // namespace deepsc::binding
