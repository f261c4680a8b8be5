#pragma once
// Tensor memory handed to JS: 64-byte aligned native allocations exposed as external
// ArrayBuffers (zero-copy), counted in the engine's live-bytes counter, freed either by an
// explicit release (which also detaches the buffer, so a stale view reads as empty instead of
// freed memory) or by the garbage collector.
#include <napi.h>

#include <cstdint>

namespace deepsc::binding {

/// A new Float32Array of `numel` floats (zero-filled) in counted native memory.
Napi::Float32Array alloc_native_f32(Napi::Env env, int64_t numel);

/// Adds allocTensor, releaseTensor and memoryStats to `exports`.
void init_tensor(Napi::Env env, Napi::Object exports);

}  // namespace deepsc::binding
