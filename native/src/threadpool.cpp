#include "deepsc/threadpool.h"

#include <sched.h>

#include <chrono>
#include <cstdlib>
#include <string>

namespace deepsc {

namespace {
thread_local bool t_inside_task = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Polls `ready` for up to `us` microseconds; true as soon as it holds. After the first
// couple of microseconds each poll also yields the CPU, so a thread that needs it (the
// JavaScript engine's own helpers, another process) is not kept waiting by a poll.
template <class Ready>
bool spin_until(int us, Ready ready) {
  if (us <= 0) return ready();
  const auto start = std::chrono::steady_clock::now();
  const auto yield_after = start + std::chrono::microseconds(2);
  const auto deadline = start + std::chrono::microseconds(us);
  for (;;) {
    for (int i = 0; i < 16; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return ready();
    if (now >= yield_after) sched_yield();
  }
}

// The integer in environment variable `name` when it is set, a whole decimal number and in
// [lo, hi]; else `fallback`.
int env_int(const char* name, long lo, long hi, int fallback) {
  if (const char* env = std::getenv(name)) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v >= lo && v <= hi) return static_cast<int>(v);
  }
  return fallback;
}
}  // namespace

int ThreadPool::spin_us() { return env_int("DEEPSC_POOL_SPIN_US", 0, 100000, 50); }

int ThreadPool::default_threads() {
  if (const int n = env_int("DEEPSC_NUM_THREADS", 1, 1024, 0); n > 0) return n;
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n >= 1) return n;
  }
#endif
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? static_cast<int>(hc) : 1;
}

ThreadPool& ThreadPool::global() {
  static ThreadPool pool(default_threads());
  return pool;
}

ThreadPool::ThreadPool(int threads) { start(threads); }
ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::start(int threads) {
  quit_.store(false);
  // A worker started by resize() must not take the jobs run before it for a new one: it starts
  // from the current generation (no run() is in progress here: resize holds run_mu_).
  const uint64_t now = generation_.load(std::memory_order_acquire);
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i, now] { worker_loop(i, now); });
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    quit_.store(true);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::resize(int threads) {
  std::lock_guard<std::mutex> guard(run_mu_);
  stop();
  start(threads < 1 ? 1 : threads);
}

void ThreadPool::drain(int worker) {
  const Task& fn = *job_;
  for (;;) {
    int64_t t = next_.fetch_add(1, std::memory_order_relaxed);
    if (t >= ntasks_) break;
    try {
      fn(t, worker);
    } catch (...) {
      std::lock_guard<std::mutex> lk(mu_);
      if (!error_) error_ = std::current_exception();
      next_.store(ntasks_, std::memory_order_relaxed);  // stop handing out tasks
    }
  }
}

void ThreadPool::worker_loop(int index, uint64_t seen) {
  t_inside_task = true;
  for (;;) {
    auto posted = [&] { return quit_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(spin_us_, posted)) {
      std::unique_lock<std::mutex> lk(mu_);
      wake_.wait(lk, posted);
    }
    if (quit_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    drain(index);
    // The last worker to finish wakes the caller if it went to sleep; under mu_, so the
    // caller cannot test active_ and then miss the notification.
    if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lk(mu_);
      done_.notify_one();
    }
  }
}

void ThreadPool::run(int64_t ntasks, const Task& fn) {
  if (ntasks <= 0) return;
  if (t_inside_task || workers_.empty() || ntasks == 1) {
    for (int64_t t = 0; t < ntasks; ++t) fn(t, 0);
    return;
  }
  std::lock_guard<std::mutex> guard(run_mu_);
  {
    std::lock_guard<std::mutex> lk(mu_);
    job_ = &fn;
    ntasks_ = ntasks;
    next_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    active_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);  // publishes the job to polling workers
  }
  wake_.notify_all();
  t_inside_task = true;
  drain(0);
  t_inside_task = false;
  auto finished = [&] { return active_.load(std::memory_order_acquire) == 0; };
  std::exception_ptr err;
  if (!spin_until(spin_us_, finished)) {
    std::unique_lock<std::mutex> lk(mu_);
    done_.wait(lk, finished);
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    job_ = nullptr;
    err = error_;
    error_ = nullptr;
  }
  if (err) std::rethrow_exception(err);
}

}  // namespace deepsc
