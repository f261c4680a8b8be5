#include "binding/tensor.h"

#include <cstring>
#include <mutex>
#include <unordered_map>

#include "binding/convert.h"
#include "graph/memory.h"

namespace deepsc::binding {

namespace {

struct Block {
  float* data;
  int64_t bytes;
  bool freed = false;
};

std::mutex g_mu;
std::unordered_map<const void*, Block*> g_live;  // data pointer -> block, while not freed

void free_block(Napi::Env env, Block* b) {
  // Caller holds g_mu.
  if (b->freed) return;
  g_live.erase(b->data);
  std::free(b->data);
  b->freed = true;
  graph::count_bytes(graph::MemoryCategory::tensors, -b->bytes);
  Napi::MemoryManagement::AdjustExternalMemory(env, -b->bytes);
}

Napi::Value alloc_tensor_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsNumber()) fail(ErrorKind::Type, "allocTensor", "expected an element count");
    const double n = info[0].As<Napi::Number>().DoubleValue();
    if (!(n >= 0 && n <= 4.0e15 && n == static_cast<double>(static_cast<int64_t>(n))))
      fail(ErrorKind::Range, "allocTensor", "element count must be a non-negative integer, got " + std::to_string(n));
    return alloc_native_f32(env, static_cast<int64_t>(n));
  });
}

Napi::Value release_tensor_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsTypedArray()) fail(ErrorKind::Type, "releaseTensor", "expected a Float32Array");
    Napi::ArrayBuffer ab = info[0].As<Napi::TypedArray>().ArrayBuffer();
    if (ab.IsDetached()) return Napi::Boolean::New(env, false);
    const void* data = ab.Data();
    {
      std::lock_guard<std::mutex> lock(g_mu);
      auto it = g_live.find(data);
      if (it == g_live.end()) return Napi::Boolean::New(env, false);  // JS-owned memory: nothing to free
      free_block(env, it->second);
    }
    // No JS runs between the free and the detach (same thread), and after the detach no view
    // can reach the memory. Detach may run the finalizer, which takes the lock: released above.
    ab.Detach();
    return Napi::Boolean::New(env, true);
  });
}

Napi::Value memory_stats_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  using graph::MemoryCategory;
  o.Set("tensors", static_cast<double>(graph::live_bytes(MemoryCategory::tensors)));
  o.Set("arenas", static_cast<double>(graph::live_bytes(MemoryCategory::arenas)));
  o.Set("persistent", static_cast<double>(graph::live_bytes(MemoryCategory::persistent)));
  o.Set("optimizer", static_cast<double>(graph::live_bytes(MemoryCategory::optimizer)));
  return o;
}

}  // namespace

Napi::Float32Array alloc_native_f32(Napi::Env env, int64_t numel) {
  const int64_t bytes = numel * 4;
  AlignedBuffer buf = alloc_floats(numel, "allocTensor");
  float* data = buf.release();
  std::memset(data, 0, static_cast<size_t>(bytes));
  auto* block = new Block{data, bytes};
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_live[data] = block;
  }
  graph::count_bytes(graph::MemoryCategory::tensors, bytes);
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(
      env, data, static_cast<size_t>(bytes),
      [](Napi::Env e, void*, Block* b) {
        {
          std::lock_guard<std::mutex> lock(g_mu);
          free_block(e, b);
        }
        delete b;
      },
      block);
  return Napi::Float32Array::New(env, static_cast<size_t>(numel), ab, 0);
}

void init_tensor(Napi::Env env, Napi::Object exports) {
  exports.Set("allocTensor", Napi::Function::New(env, alloc_tensor_js));
  exports.Set("releaseTensor", Napi::Function::New(env, release_tensor_js));
  exports.Set("memoryStats", Napi::Function::New(env, memory_stats_js));
}

}  // namespace deepsc::binding
