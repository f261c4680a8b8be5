#include "graph/memory.h"

#include <algorithm>

namespace deepsc::graph {

namespace {
std::atomic<int64_t> g_live[kMemoryCategories];
}

int64_t live_bytes(MemoryCategory c) { return g_live[static_cast<int>(c)].load(std::memory_order_relaxed); }

void count_bytes(MemoryCategory c, int64_t delta) { g_live[static_cast<int>(c)].fetch_add(delta, std::memory_order_relaxed); }

TrackedBuffer::TrackedBuffer(int64_t floats, MemoryCategory c, const std::string& what)
    : data_(alloc_floats(floats, what)), floats_(floats), bytes_(std::max<int64_t>(floats, 0) * 4), cat_(c) {
  count_bytes(cat_, bytes_);
}

TrackedBuffer::TrackedBuffer(TrackedBuffer&& o) noexcept
    : data_(std::move(o.data_)), floats_(o.floats_), bytes_(o.bytes_), cat_(o.cat_) {
  o.floats_ = 0;
  o.bytes_ = 0;
}

TrackedBuffer& TrackedBuffer::operator=(TrackedBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    data_ = std::move(o.data_);
    floats_ = o.floats_;
    bytes_ = o.bytes_;
    cat_ = o.cat_;
    o.floats_ = 0;
    o.bytes_ = 0;
  }
  return *this;
}

TrackedBuffer::~TrackedBuffer() { reset(); }

void TrackedBuffer::reset() {
  if (data_) count_bytes(cat_, -bytes_);
  data_.reset();
  floats_ = 0;
  bytes_ = 0;
}

}  // namespace deepsc::graph
