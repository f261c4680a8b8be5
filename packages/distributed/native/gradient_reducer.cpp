#include "gradient_reducer.h"

#include <algorithm>
#include <cstring>

namespace deepsc::dist {

GradientReducer::GradientReducer(std::shared_ptr<Group> group, size_t bucket_bytes, size_t first_bucket_bytes)
    : group_(std::move(group)),
      bucket_floats_(std::max<size_t>(1, bucket_bytes / sizeof(float))),
      first_floats_(std::max<size_t>(1, std::min(bucket_bytes, first_bucket_bytes) / sizeof(float))) {}

deepsc_gradient_hook GradientReducer::hook() {
  deepsc_gradient_hook h{};
  h.abi_version = DEEPSC_GRADIENT_HOOK_ABI;
  h.ctx = this;
  h.ready = [](void* ctx, int32_t param, float* data, int64_t count) {
    static_cast<GradientReducer*>(ctx)->ready(param, data, count);
  };
  h.flush = [](void* ctx) { static_cast<GradientReducer*>(ctx)->flush(); };
  h.wait = [](void* ctx, char* err, size_t err_len) { return static_cast<GradientReducer*>(ctx)->wait(err, err_len); };
  return h;
}

GradientReducer::Bucket& GradientReducer::open_bucket() {
  if (next_ == buckets_.size()) buckets_.push_back(std::make_unique<Bucket>());
  Bucket& b = *buckets_[next_];
  if (!open_) {
    b.pieces.clear();
    b.floats = 0;
    b.in_place = false;
    open_ = true;
  }
  return b;
}

void GradientReducer::ready(int32_t, float* data, int64_t count) {
  if (count <= 0) return;
  const size_t n = static_cast<size_t>(count);
  if (n >= cap()) {
    // A large gradient goes alone, reduced in place: first send what is packed before it.
    if (open_) flush();
    Bucket& b = open_bucket();
    b.pieces.push_back({data, count, 0});
    b.floats = n;
    b.in_place = true;
    post(b);
    return;
  }
  Bucket& b = open_bucket();
  if (b.flat.size() < cap()) b.flat.resize(cap());
  if (b.floats + n > cap()) {
    post(b);
    ready(0, data, count);
    return;
  }
  std::memcpy(b.flat.data() + b.floats, data, n * sizeof(float));
  b.pieces.push_back({data, count, b.floats});
  b.floats += n;
  if (b.floats == cap()) post(b);
}

void GradientReducer::flush() {
  if (open_) post(*buckets_[next_]);
}

void GradientReducer::post(Bucket& b) {
  open_ = false;
  ++next_;
  {
    std::lock_guard<std::mutex> lock(m_);
    ++in_flight_;
  }
  auto self = shared_from_this();
  Bucket* bucket = &b;
  group_->queue.post([self, bucket](bool cancelled) {
    std::string error;
    if (cancelled) {
      error = "the process group was destroyed while gradients were being reduced";
    } else {
      try {
        if (bucket->in_place) {
          self->group_->pg.all_reduce(bucket->pieces[0].dst, bucket->floats, true);
        } else {
          self->group_->pg.all_reduce(bucket->flat.data(), bucket->floats, true);
          for (const Piece& p : bucket->pieces)
            std::memcpy(p.dst, bucket->flat.data() + p.offset, static_cast<size_t>(p.count) * sizeof(float));
        }
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    std::lock_guard<std::mutex> lock(self->m_);
    if (!error.empty() && self->error_.empty()) self->error_ = "gradient all-reduce: " + error;
    --self->in_flight_;
    self->cv_.notify_all();
  });
}

int GradientReducer::wait(char* err, size_t err_len) {
  std::string error;
  {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
    error.swap(error_);
  }
  // The next step forms the same buckets again, reusing their buffers. A bucket opened but not
  // flushed (a backward that failed midway) is dropped.
  next_ = 0;
  open_ = false;
  if (error.empty()) return 0;
  if (err && err_len > 0) {
    const size_t n = std::min(error.size(), err_len - 1);
    std::memcpy(err, error.data(), n);
    err[n] = '\0';
  }
  return 1;
}

}  // namespace deepsc::dist
