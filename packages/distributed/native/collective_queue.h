#pragma once
// The one thread that runs a process group's collectives, in the order they were posted: the
// JavaScript calls' and the gradient buckets' alike. One thread keeps gloo's context used
// serially and makes every rank issue the same collectives in the same order (as long as each
// rank posts them in the same order, which SPMD training does). Node's event loop never blocks.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace deepsc::dist {

class CollectiveQueue {
 public:
  /// A job runs with `cancelled` false, or with true when the queue stopped before it ran (it
  /// must then only report that, not touch the network).
  using Job = std::function<void(bool cancelled)>;

  CollectiveQueue() : state_(std::make_shared<State>()), thread_([s = state_] { run(*s); }) {}
  ~CollectiveQueue() { stop(); }
  CollectiveQueue(const CollectiveQueue&) = delete;
  CollectiveQueue& operator=(const CollectiveQueue&) = delete;

  void post(Job job) {
    {
      std::lock_guard<std::mutex> lock(state_->m);
      if (!state_->stopping) {
        state_->jobs.push_back(std::move(job));
        state_->cv.notify_one();
        return;
      }
    }
    job(true);
  }

  /// Lets the running job finish, cancels the queued ones, joins the thread. Idempotent.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(state_->m);
      state_->stopping = true;
      state_->cv.notify_one();
    }
    if (!thread_.joinable()) return;
    // The last owner may let go from a job on the queue's own thread: it cannot join itself,
    // and the thread keeps the state it uses alive.
    if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
    else thread_.join();
  }

 private:
  struct State {
    std::mutex m;
    std::condition_variable cv;
    std::deque<Job> jobs;
    bool stopping = false;
  };

  static void run(State& s) {
    for (;;) {
      Job job;
      bool cancelled;
      {
        std::unique_lock<std::mutex> lock(s.m);
        s.cv.wait(lock, [&] { return s.stopping || !s.jobs.empty(); });
        if (s.jobs.empty()) return;
        job = std::move(s.jobs.front());
        s.jobs.pop_front();
        cancelled = s.stopping;
      }
      job(cancelled);
    }
  }

  std::shared_ptr<State> state_;
  std::thread thread_;  // last: starts after the state it uses exists
};

}  // namespace deepsc::dist
