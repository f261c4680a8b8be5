#pragma once
// Native memory that is counted: every long-lived engine allocation (tensors handed to JS,
// arenas, parameters, optimizer state) goes through TrackedBuffer, so JS can check for leaks
// by reading live bytes per category.
#include <atomic>
#include <cstdint>
#include <string>

#include "deepsc/tensor.h"

namespace deepsc::graph {

enum class MemoryCategory { tensors = 0, arenas = 1, persistent = 2, optimizer = 3 };
inline constexpr int kMemoryCategories = 4;

/// Live bytes in a category (relaxed reads: a snapshot for diagnostics and leak tests).
int64_t live_bytes(MemoryCategory c);
/// Adds (or, negative, removes) bytes; used by owners of memory not held in a TrackedBuffer.
void count_bytes(MemoryCategory c, int64_t delta);

/// A 64-byte aligned float buffer whose size is counted in its category while it lives.
class TrackedBuffer {
 public:
  TrackedBuffer() = default;
  TrackedBuffer(int64_t floats, MemoryCategory c, const std::string& what);
  TrackedBuffer(TrackedBuffer&& o) noexcept;
  TrackedBuffer& operator=(TrackedBuffer&& o) noexcept;
  TrackedBuffer(const TrackedBuffer&) = delete;
  TrackedBuffer& operator=(const TrackedBuffer&) = delete;
  ~TrackedBuffer();

  float* data() const { return data_.get(); }
  int64_t floats() const { return floats_; }
  void reset();

 private:
  AlignedBuffer data_;
  int64_t floats_ = 0;
  int64_t bytes_ = 0;
  MemoryCategory cat_ = MemoryCategory::tensors;
};

}  // namespace deepsc::graph
