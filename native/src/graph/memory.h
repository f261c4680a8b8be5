#pragma once
// Native memory that is counted: every long-lived engine allocation (tensors handed to JS,
// arenas, parameters, optimizer state) goes through TrackedBuffer, so JS can check for leaks
// by reading live bytes per category.
#include <atomic>
#include <cstdint>
#include <string>

#include "deepsc/op.h"
#include "deepsc/tensor.h"

namespace deepsc::graph {

enum class MemoryCategory { tensors = 0, arenas = 1, persistent = 2, optimizer = 3 };
inline constexpr int kMemoryCategories = 4;

/// Live bytes in a category (relaxed reads: a snapshot for diagnostics and leak tests).
int64_t live_bytes(MemoryCategory c);
/// Adds (or, negative, removes) bytes; used by owners of memory not held in a TrackedBuffer.
void count_bytes(MemoryCategory c, int64_t delta);

/// A float buffer whose size is counted in its category while it lives: 64-byte aligned host
/// memory on Backend::cpu, a plain cudaMalloc (never managed memory) on Backend::cuda. Device
/// bytes count in the same categories, so leak checks cover both. data() is the backend's
/// pointer: move data in and out of a device buffer with device_ops.h, never memcpy.
class TrackedBuffer {
 public:
  TrackedBuffer() = default;
  TrackedBuffer(int64_t floats, MemoryCategory c, const std::string& what, Backend where = Backend::cpu);
  TrackedBuffer(TrackedBuffer&& o) noexcept;
  TrackedBuffer& operator=(TrackedBuffer&& o) noexcept;
  TrackedBuffer(const TrackedBuffer&) = delete;
  TrackedBuffer& operator=(const TrackedBuffer&) = delete;
  ~TrackedBuffer();

  float* data() const { return ptr_; }
  int64_t floats() const { return floats_; }
  Backend backend() const { return backend_; }
  void reset();

 private:
  AlignedBuffer host_;
  float* ptr_ = nullptr;  // host_.get() or the device allocation
  Backend backend_ = Backend::cpu;
  int64_t floats_ = 0;
  int64_t bytes_ = 0;
  MemoryCategory cat_ = MemoryCategory::tensors;
};

}  // namespace deepsc::graph
