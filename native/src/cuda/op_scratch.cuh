#pragma once
// Device scratch for the ops whose reductions need a second pass (the norms' chunk partials,
// the losses' block partials): one grow-only buffer per device, allocated on first use, grown
// (never shrunk) when a call needs more and kept for the life of the process (never freed:
// freeing at exit could run after the CUDA runtime has shut down). A training loop therefore
// allocates nothing per call after its first step. The kernels are queued on the default
// stream, which runs them in order, so consecutive ops can reuse the same bytes; a lease holds
// a mutex while an op queues its kernels so that two host threads do not interleave their
// partial and final passes, and growing frees the old buffer only after the device is idle.
// (Separate from conv3d's scratch so that neither op's growth moves the other's buffer.)
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace deepsc::cuda {

/// Byte offsets of typed regions inside one scratch buffer, each 256-byte aligned.
struct ScratchPlan {
  int64_t bytes = 0;
  /// Reserves `count` values of T and returns the region's byte offset.
  template <class T>
  int64_t add(int64_t count) {
    const int64_t off = (bytes + 255) / 256 * 256;
    bytes = off + (count < 0 ? 0 : count) * static_cast<int64_t>(sizeof(T));
    return off;
  }
};

class OpScratch {
 public:
  /// Locks the current device's op scratch and makes it at least plan.bytes long; `op` names
  /// the op in an out-of-memory error.
  OpScratch(const ScratchPlan& plan, const char* op);
  OpScratch(const OpScratch&) = delete;
  OpScratch& operator=(const OpScratch&) = delete;
  /// The region that ScratchPlan::add returned `offset` for.
  template <class T>
  T* at(int64_t offset) const {
    return reinterpret_cast<T*>(static_cast<char*>(ptr_) + offset);
  }

 private:
  std::unique_lock<std::mutex> lock_;
  void* ptr_ = nullptr;
};

/// Blocking copies of `bytes` bytes (they wait for the kernels queued before them); errors
/// name `op`.
void scratch_upload(void* dst_device, const void* src_host, size_t bytes, const char* op);
void scratch_download(void* dst_host, const void* src_device, size_t bytes, const char* op);
/// Throws Error(Runtime) naming `op` and `what` when the last launch failed (does not wait).
void check_op_launch(const char* op, const char* what);

}  // namespace deepsc::cuda
