// The thread pool (deepsc/threadpool.h): every task runs exactly once whether the workers are
// still polling for the next job or asleep, with polling on or off; a task's exception reaches
// the caller and leaves the pool usable; DEEPSC_POOL_SPIN_US is read as documented.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "deepsc/threadpool.h"
#include "harness.h"

using namespace deepsc;
using namespace deepsc::test;

namespace {

// Runs `jobs` jobs of `tasks` tasks each, `gap` apart, and checks that every task of every job
// ran exactly once, on a valid worker index, and had finished when run() returned (each task
// counts itself only at its end, after a few microseconds of work).
void check_jobs(ThreadPool& pool, int jobs, int tasks, std::chrono::microseconds gap) {
  std::vector<std::atomic<int>> ran(static_cast<size_t>(tasks));
  for (int j = 0; j < jobs; ++j) {
    for (auto& r : ran) r.store(0);
    std::atomic<int> bad_worker{0};
    pool.run(tasks, [&](int64_t t, int w) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(3);
      while (std::chrono::steady_clock::now() < until) {
      }
      if (w < 0 || w >= pool.size()) bad_worker.fetch_add(1);
      ran[static_cast<size_t>(t)].fetch_add(1);
    });
    for (int t = 0; t < tasks; ++t)
      DEEPSC_EXPECT(ran[static_cast<size_t>(t)].load() == 1,
                    "job " + std::to_string(j) + ": task " + std::to_string(t) + " ran " +
                        std::to_string(ran[static_cast<size_t>(t)].load()) + " times");
    DEEPSC_EXPECT(bad_worker.load() == 0, "a task got a worker index outside [0, size())");
    if (gap.count() > 0) std::this_thread::sleep_for(gap);
  }
}

// A pool built while DEEPSC_POOL_SPIN_US is `spin` (nullptr: unset).
struct SpinEnv {
  explicit SpinEnv(const char* spin) {
    if (const char* old = std::getenv("DEEPSC_POOL_SPIN_US")) saved = old, had = true;
    if (spin) setenv("DEEPSC_POOL_SPIN_US", spin, 1);
    else unsetenv("DEEPSC_POOL_SPIN_US");
  }
  ~SpinEnv() {
    if (had) setenv("DEEPSC_POOL_SPIN_US", saved.c_str(), 1);
    else unsetenv("DEEPSC_POOL_SPIN_US");
  }
  std::string saved;
  bool had = false;
};

}  // namespace

DEEPSC_TEST(threadpool_runs_every_task_once_polling_or_asleep) {
  struct Case {
    const char* spin;
    int threads, jobs, tasks;
    int gap_us;  // 0: back to back (workers still polling); > spin: workers asleep
  };
  const Case cases[] = {
      {"50", 3, 2000, 7, 0},   {"50", 3, 30, 64, 300},  {"0", 3, 500, 7, 0},
      {"0", 2, 30, 5, 100},    {"1000", 4, 300, 3, 0},  {"50", 2, 2000, 2, 0},
  };
  for (const Case& c : cases) {
    SpinEnv env(c.spin);
    ThreadPool pool(c.threads);
    DEEPSC_EXPECT(pool.size() == c.threads, "pool size");
    check_jobs(pool, c.jobs, c.tasks, std::chrono::microseconds(c.gap_us));
  }
}

DEEPSC_TEST(threadpool_rethrows_a_task_exception_and_stays_usable) {
  for (const char* spin : {"50", "0"}) {
    SpinEnv env(spin);
    ThreadPool pool(3);
    for (int round = 0; round < 50; ++round) {
      bool caught = false;
      try {
        pool.run(16, [&](int64_t t, int) {
          if (t == 11) throw std::runtime_error("task 11 failed");
        });
      } catch (const std::runtime_error& e) {
        caught = std::string(e.what()) == "task 11 failed";
      }
      DEEPSC_EXPECT(caught, "the task's exception reaches run()'s caller");
      check_jobs(pool, 3, 9, std::chrono::microseconds(0));
    }
  }
}

DEEPSC_TEST(threadpool_runs_nested_jobs_serially_and_resizes_between_jobs) {
  ThreadPool pool(3);
  std::atomic<int> inner{0};
  pool.run(4, [&](int64_t, int) { pool.run(5, [&](int64_t, int) { inner.fetch_add(1); }); });
  DEEPSC_EXPECT(inner.load() == 20, "a run() inside a task runs its tasks in that task");
  // Workers started by resize() begin after the jobs already run: a new worker that took the
  // last job's generation for a new one would drain nothing and count itself out of the next
  // job, whose run() could then return before its tasks finished.
  for (int round = 0; round < 20; ++round)
    for (int threads : {1, 4, 2, 3}) {
      pool.resize(threads);
      DEEPSC_EXPECT(pool.size() == threads, "size after resize");
      check_jobs(pool, 5, 6, std::chrono::microseconds(0));
    }
}

DEEPSC_TEST(threadpool_reads_its_polling_time_from_the_environment) {
  struct Case {
    const char* value;  // nullptr: unset
    int expect;
  };
  const Case cases[] = {{nullptr, 50}, {"0", 0},  {"7", 7},   {"100000", 100000}, {"100001", 50},
                        {"-1", 50},    {"", 50},  {"12x", 50}, {"abc", 50}};
  for (const Case& c : cases) {
    SpinEnv env(c.value);
    DEEPSC_EXPECT(ThreadPool::spin_us() == c.expect,
                  std::string("DEEPSC_POOL_SPIN_US=") + (c.value ? c.value : "(unset)") + " gives " +
                      std::to_string(ThreadPool::spin_us()) + ", expected " + std::to_string(c.expect));
  }
}
