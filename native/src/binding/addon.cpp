// Module entry: engine information and settings, plus the exports of the other binding files.
#include <napi.h>

#include "binding/convert.h"
#include "binding/cuda_ops.h"
#include "binding/graph.h"
#include "binding/ops.h"
#include "binding/peak.h"
#include "binding/plugins.h"
#include "binding/prepared.h"
#include "binding/tensor.h"
#include "binding/time_op.h"
#include "deepsc/cpu_features.h"
#include "deepsc/registry.h"
#include "deepsc/threadpool.h"
#include "graph/precision.h"
#ifdef DEEPSC_HAVE_CUDA
#include "cuda/kernels.h"
#endif

namespace deepsc::binding {

namespace {

Napi::Value info_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    o.Set("version", DEEPSC_VERSION);
    o.Set("napiVersion", NAPI_VERSION);
    o.Set("isa", isa_name(active_isa()));
    o.Set("detectedIsa", isa_name(detected_isa()));
    o.Set("threads", ThreadPool::global().size());
    Napi::Array devices = Napi::Array::New(env);
#ifdef DEEPSC_HAVE_CUDA
    o.Set("cudaBuilt", true);
    auto names = cuda::device_names();
    for (size_t i = 0; i < names.size(); ++i) devices.Set(static_cast<uint32_t>(i), names[i]);
#else
    o.Set("cudaBuilt", false);
#endif
    o.Set("cudaDevices", devices);
    // The precisions a CUDA compile accepts (graph/precision.h): tf32 and bf16 only in an engine
    // built with DEEPSC_CUDA_LOWP; none without the CUDA backend.
    Napi::Array precisions = Napi::Array::New(env);
#ifdef DEEPSC_HAVE_CUDA
    precisions.Set(0u, "fp32");
    if (graph::lowp_enabled()) {
      precisions.Set(1u, "tf32");
      precisions.Set(2u, "bf16");
    }
#endif
    o.Set("cudaPrecisions", precisions);
    auto ops = op_names();
    Napi::Array arr = Napi::Array::New(env, ops.size());
    for (size_t i = 0; i < ops.size(); ++i) arr.Set(static_cast<uint32_t>(i), ops[i]);
    o.Set("ops", arr);
    return o;
  });
}

Napi::Value set_num_threads_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsNumber()) fail(ErrorKind::Type, "setNumThreads", "expected a number");
    double n = info[0].As<Napi::Number>().DoubleValue();
    if (!(n >= 1 && n <= 1024 && n == static_cast<int>(n)))
      fail(ErrorKind::Range, "setNumThreads", "threads must be an integer in [1, 1024], got " + std::to_string(n));
    ThreadPool::global().resize(static_cast<int>(n));
    return Napi::Number::New(env, ThreadPool::global().size());
  });
}

Napi::Value set_isa_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Isa isa;
    if (info.Length() < 1 || !info[0].IsString() || !parse_isa(info[0].As<Napi::String>().Utf8Value(), &isa))
      fail(ErrorKind::Range, "setIsa", "expected 'portable', 'avx2' or 'avx512'");
    return Napi::String::New(env, isa_name(set_active_isa(isa)));
  });
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, info_js));
  exports.Set("setNumThreads", Napi::Function::New(env, set_num_threads_js));
  exports.Set("setIsa", Napi::Function::New(env, set_isa_js));
  exports.Set("inferShapes", Napi::Function::New(env, infer_shapes_js));
  exports.Set("runForward", Napi::Function::New(env, run_forward_js));
  exports.Set("runBackward", Napi::Function::New(env, run_backward_js));
  exports.Set("backwardReads", Napi::Function::New(env, backward_reads_js));
  exports.Set("timeOp", Napi::Function::New(env, time_op_js));
  exports.Set("peakFlops", Napi::Function::New(env, peak_flops_js));
  init_tensor(env, exports);
  init_prepared(env, exports);
  init_cuda_ops(env, exports);
  init_plugins(env, exports);
  init_graph(env, exports);
  return exports;
}

}  // namespace deepsc::binding

static Napi::Object InitDeepsc(Napi::Env env, Napi::Object exports) { return deepsc::binding::init(env, exports); }
NODE_API_MODULE(deepsc_native, InitDeepsc)
