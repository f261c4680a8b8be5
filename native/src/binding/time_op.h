#pragma once
#include <napi.h>

namespace deepsc::binding {
/// timeOp(op, attrs, inputs, needGrad | null, warmup, repeats) -> ms per timed call: the CPU
/// twin of cudaTimeOp (see time_op.cpp).
Napi::Value time_op_js(const Napi::CallbackInfo& info);
}  // namespace deepsc::binding
