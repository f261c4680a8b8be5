#pragma once
#include <napi.h>

namespace deepsc::binding {
/// Adds cudaOps, cudaRunForward, cudaRunBackward and cudaTimeOp to `exports` (present in every build;
/// without CUDA they throw the "no CUDA device" error).
void init_cuda_ops(Napi::Env env, Napi::Object exports);
}  // namespace deepsc::binding
