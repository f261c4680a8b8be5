#pragma once
// A persistent thread pool. Sized to the CPUs this process may run on (sched_getaffinity),
// overridden by DEEPSC_NUM_THREADS. The calling thread takes part as worker 0.
//
// Waiting: a worker that finished a job polls for the next one for a short while (spin_us(),
// 50 us unless DEEPSC_POOL_SPIN_US says otherwise, 0 = never) before it sleeps on a condition
// variable, and the caller polls for the workers' end the same way. Back-to-back small jobs
// (the ops of a step, or eager calls from JavaScript a microsecond apart) then find the workers
// awake instead of paying a futex wake-up and a scheduler round trip each.
//
// Determinism: run() hands out task indices dynamically, so which worker runs a task varies;
// kernels therefore make each task's output depend only on its task index (disjoint writes,
// or a partial per task that is reduced afterwards in task order). Task boundaries must not
// depend on the worker count if a result is to be identical across thread counts.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace deepsc {

class ThreadPool {
 public:
  using Task = std::function<void(int64_t task, int worker)>;

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// The process-wide pool.
  static ThreadPool& global();
  /// Threads the process may use: DEEPSC_NUM_THREADS if set (>= 1), else the affinity mask.
  static int default_threads();

  /// Number of workers, including the calling thread.
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  /// Calls fn(task, worker) for every task in [0, ntasks) and waits. `worker` is in
  /// [0, size()) and identifies per-worker scratch. The first exception thrown by a task is
  /// rethrown here after all tasks stopped. Called from inside a task, runs serially.
  void run(int64_t ntasks, const Task& fn);

  /// Replaces the workers (between calls only).
  void resize(int threads);

  /// How long a waiting thread polls before it sleeps: DEEPSC_POOL_SPIN_US (0 to 100000), else 50.
  static int spin_us();

 private:
  void start(int threads);
  void stop();
  void worker_loop(int index, uint64_t seen);  // seen: the generation it starts after
  void drain(int worker);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  // Written by run() before it publishes the job by incrementing generation_ (release).
  const Task* job_ = nullptr;
  int64_t ntasks_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<int> active_{0};  // workers that have not finished the current job
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> quit_{false};
  std::exception_ptr error_;
  const int spin_us_ = spin_us();
  std::mutex run_mu_;  // one run() at a time
};

/// Splits [0, n) into chunks of `grain` (the last may be shorter) and runs them on the pool:
/// fn(begin, end). Chunk boundaries depend only on n and grain.
inline void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  const int64_t chunks = (n + grain - 1) / grain;
  if (chunks == 1) {
    fn(0, n);
    return;
  }
  ThreadPool::global().run(chunks, [&](int64_t c, int) {
    const int64_t b = c * grain;
    fn(b, b + grain < n ? b + grain : n);
  });
}

}  // namespace deepsc
