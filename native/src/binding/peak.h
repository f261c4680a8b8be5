#pragma once
#include <napi.h>

namespace deepsc::binding {
/// peakFlops(seconds?): the machine's measured multiply-add throughput on the active ISA with
/// every pool thread busy, { gflops, perThreadGflops, threads, isa, seconds }.
Napi::Value peak_flops_js(const Napi::CallbackInfo& info);
}  // namespace deepsc::binding
