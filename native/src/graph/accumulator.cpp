#include "graph/accumulator.h"

#include <cstring>

#include "graph/device_ops.h"

namespace deepsc::graph {

namespace {

// A buffer for one parameter's sum in the backend's memory (the gradients' memory).
TrackedBuffer alloc_sum(Backend b, int64_t n) { return TrackedBuffer(n, MemoryCategory::optimizer, "accumulate", b); }

// dst = src, bit for bit on the CPU. device_ops has no device-to-device copy, so the device
// adds into zeros (which turns -0 into +0: only the sign of a zero differs).
void copy_into(Backend b, float* dst, const float* src, int64_t n) {
  if (b == Backend::cpu) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  fill(b, dst, n, 0.f);
  add_into(b, dst, src, n);
}

}  // namespace

void GradientAccumulator::add(const std::vector<GradRef>& grads, uint64_t version) {
  for (const GradRef& g : grads) add_one(g);
  commit(version);
}

float* GradientAccumulator::add_one(const GradRef& g) {
  auto it = sums_.find(g.id);
  if (it == sums_.end()) it = sums_.emplace(g.id, alloc_sum(backend_, g.n)).first;
  if (count_ == 0) copy_into(backend_, it->second.data(), g.grad, g.n);
  else add_into(backend_, it->second.data(), g.grad, g.n);
  return it->second.data();
}

void GradientAccumulator::commit(uint64_t version) {
  if (count_ == 0) version_ = version;
  ++count_;
}

float* GradientAccumulator::sum(int id) const {
  if (count_ == 0) return nullptr;
  auto it = sums_.find(id);
  return it == sums_.end() ? nullptr : it->second.data();
}

void GradientAccumulator::to_mean() {
  if (count_ <= 1) return;
  for (auto& [id, buf] : sums_) divide_into(backend_, buf.data(), buf.data(), buf.floats(), static_cast<float>(count_));
}

void GradientAccumulator::mean_to_host(int id, float* host_dst) const {
  auto it = sums_.find(id);
  if (count_ == 0 || it == sums_.end()) return;
  copy_out(backend_, host_dst, it->second.data(), it->second.floats());
  if (count_ > 1) divide_into(Backend::cpu, host_dst, host_dst, it->second.floats(), static_cast<float>(count_));
}

}  // namespace deepsc::graph
