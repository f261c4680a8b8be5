#pragma once
// Non-owning views of contiguous float32 tensors (NCDHW at the API), plus aligned storage.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

#include "deepsc/shape.h"

namespace deepsc {

/// A contiguous float32 tensor in row-major order. `data == nullptr` means "absent": a
/// gradient that is not needed, or an optional input (a bias) that was not given.
struct TensorView {
  float* data = nullptr;
  Shape shape;

  bool present() const { return data != nullptr; }
  int64_t numel() const { return shape.size(); }
};

/// 64-byte aligned float buffer (cache line, AVX-512 vector).
struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<float[], AlignedFree>;

/// Allocates `n` floats aligned to 64 bytes; throws Error(Runtime) naming `op` on failure.
inline AlignedBuffer alloc_floats(int64_t n, const std::string& op = "alloc") {
  const size_t bytes = ((static_cast<size_t>(n < 1 ? 1 : n) * sizeof(float) + 63) / 64) * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) fail(ErrorKind::Runtime, op, "out of memory allocating " + std::to_string(bytes) + " bytes");
  return AlignedBuffer(static_cast<float*>(p));
}

}  // namespace deepsc
