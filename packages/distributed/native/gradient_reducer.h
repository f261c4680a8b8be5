#pragma once
// The engine's gradient hook (deepsc/gradient_hook.h) over a process group: gradients handed
// over by the backward are packed into buckets (about `bucket_bytes` each, in the order they
// arrive: roughly reverse parameter order), each full bucket is averaged over the ranks on the
// collective thread while the backward goes on, and the means are written back in place.
// `wait` returns when every bucket is done (or the first failure). The first bucket is smaller
// (like DDP's): with one large bucket first, the first collective would start only when most of
// the backward is over, and the step would wait for nearly all of the reduction.
//
// Buckets depend only on the gradients' sizes and order, which the program fixes, so every
// rank forms the same buckets and issues the same collectives. A parameter at least as large
// as a bucket is reduced alone, in place, without a copy.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collective_queue.h"
#include "deepsc/gradient_hook.h"
#include "process_group.h"

namespace deepsc::dist {

/// A process group and the thread that runs its collectives.
struct Group {
  ProcessGroup pg;
  CollectiveQueue queue;
  explicit Group(GroupOptions o) : pg(std::move(o)) {}
};

class GradientReducer : public std::enable_shared_from_this<GradientReducer> {
 public:
  /// The first bucket of each step holds at most `first_bucket_bytes` (DDP's 1 MiB), so the
  /// first collective starts early in the backward; the others `bucket_bytes`.
  GradientReducer(std::shared_ptr<Group> group, size_t bucket_bytes, size_t first_bucket_bytes);

  /// The hook to hand to the engine; its ctx is this object (keep it alive while it is set).
  deepsc_gradient_hook hook();

  void ready(int32_t param, float* data, int64_t count);
  void flush();
  /// 0 when every handed-over gradient holds the mean; else 1 with the first failure in `err`.
  int wait(char* err, size_t err_len);

  /// Buckets of the last step (for tests and the docs' numbers).
  size_t buckets() const { return buckets_.size(); }

 private:
  struct Piece {
    float* dst;
    int64_t count;
    size_t offset;  // in the bucket's flat buffer
  };
  struct Bucket {
    std::vector<float> flat;  // packed gradients (empty when the bucket is one parameter reduced in place)
    std::vector<Piece> pieces;
    size_t floats = 0;
    bool in_place = false;  // one large gradient, reduced where it is
  };
  Bucket& open_bucket();
  size_t cap() const { return next_ == 0 ? first_floats_ : bucket_floats_; }
  void post(Bucket& b);

  std::shared_ptr<Group> group_;
  size_t bucket_floats_;
  size_t first_floats_;
  std::vector<std::unique_ptr<Bucket>> buckets_;  // kept across steps: their buffers are reused
  size_t next_ = 0;                               // the bucket being filled
  bool open_ = false;                             // buckets_[next_] has pieces not yet posted

  std::mutex m_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  std::string error_;
};

}  // namespace deepsc::dist
