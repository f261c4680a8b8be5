#pragma once
// Device memory and host <-> device copies as plain C++ (no CUDA headers), so the binding and
// the executor can use them. Always cudaMalloc'd device memory, never managed memory: moves
// between host and device are explicit and visible in a profile.
#include <cstdint>
#include <string>

namespace deepsc::cuda {

/// Throws Error(Runtime) "no CUDA device ..." naming `what` when no GPU is visible.
void require_device(const std::string& what);

/// An owned device allocation of `floats` float32 values (uninitialised). Move-only; freed
/// in the destructor. Zero floats allocate nothing and get() is nullptr.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(int64_t floats, const std::string& what);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), floats_(o.floats_) { o.ptr_ = nullptr, o.floats_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  float* get() const { return ptr_; }
  int64_t floats() const { return floats_; }

 private:
  float* ptr_ = nullptr;
  int64_t floats_ = 0;
};

/// Blocking copies of `n` floats; they also wait for the kernels queued before them.
void copy_to_device(float* dst_device, const float* src_host, int64_t n);
void copy_to_host(float* dst_host, const float* src_device, int64_t n);
/// Sets `n` device floats to 0.
void fill_zero(float* dst_device, int64_t n);
/// Waits for queued kernels and turns a launch or execution failure into an Error naming `op`.
void synchronize(const std::string& op);

}  // namespace deepsc::cuda
