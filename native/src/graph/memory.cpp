#include "graph/memory.h"

#include <algorithm>

#include "graph/device_ops.h"

namespace deepsc::graph {

namespace {
std::atomic<int64_t> g_live[kMemoryCategories];
}

int64_t live_bytes(MemoryCategory c) { return g_live[static_cast<int>(c)].load(std::memory_order_relaxed); }

void count_bytes(MemoryCategory c, int64_t delta) { g_live[static_cast<int>(c)].fetch_add(delta, std::memory_order_relaxed); }

TrackedBuffer::TrackedBuffer(int64_t floats, MemoryCategory c, const std::string& what, Backend where)
    : floats_(floats), bytes_(std::max<int64_t>(floats, 0) * 4), cat_(c) {
  if (where == Backend::cuda) {
    ptr_ = device_alloc(floats, what);
    backend_ = Backend::cuda;
  } else {
    host_ = alloc_floats(floats, what);
    ptr_ = host_.get();
  }
  count_bytes(cat_, bytes_);
}

TrackedBuffer::TrackedBuffer(TrackedBuffer&& o) noexcept
    : host_(std::move(o.host_)), ptr_(o.ptr_), backend_(o.backend_), floats_(o.floats_), bytes_(o.bytes_), cat_(o.cat_) {
  o.ptr_ = nullptr;
  o.floats_ = 0;
  o.bytes_ = 0;
}

TrackedBuffer& TrackedBuffer::operator=(TrackedBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    host_ = std::move(o.host_);
    ptr_ = o.ptr_;
    backend_ = o.backend_;
    floats_ = o.floats_;
    bytes_ = o.bytes_;
    cat_ = o.cat_;
    o.ptr_ = nullptr;
    o.floats_ = 0;
    o.bytes_ = 0;
  }
  return *this;
}

TrackedBuffer::~TrackedBuffer() { reset(); }

void TrackedBuffer::reset() {
  if (ptr_) count_bytes(cat_, -bytes_);
  if (backend_ == Backend::cuda) device_free(ptr_);
  host_.reset();
  ptr_ = nullptr;
  backend_ = Backend::cpu;
  floats_ = 0;
  bytes_ = 0;
}

}  // namespace deepsc::graph
