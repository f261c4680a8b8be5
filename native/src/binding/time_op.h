#pragma once
#include <napi.h>

namespace deepsc::binding {
/// timeOp(device, op, attrs, inputs, needGrad | null, warmup, repeats) -> ms per timed call, on
/// the CPU or (device 'cuda') the GPU (see time_op.cpp).
Napi::Value time_op_js(const Napi::CallbackInfo& info);
}  // namespace deepsc::binding
