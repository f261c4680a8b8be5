#pragma once
// One rank's membership in a process group over gloo: FileStore rendezvous (under a prefix per
// job), a full mesh of TCP pairs, and the collectives (all-reduce, broadcast, barrier) with a
// timeout each. Blocking calls, not thread-safe: run them on one thread (collective_queue.h),
// which also keeps every rank issuing them in the same order.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tcp_store.h"

namespace gloo {
class Context;
namespace rendezvous {
class PrefixStore;
}
}  // namespace gloo

namespace deepsc::dist {

using Millis = std::chrono::milliseconds;

struct GroupOptions {
  int rank = 0;
  int size = 1;
  std::string store_path;  ///< the FileStore folder (every rank reads and writes it); empty with a TCP store
  std::string store_host;  ///< the TCP store's address (rank 0 serves it there), with store_port > 0
  int store_port = 0;
  std::string job_id;      ///< the key prefix (PrefixStore): one job's keys never meet another's
  std::string hostname;    ///< the address this rank's TCP transport binds
  Millis timeout{30000};   ///< rendezvous and every collective
};

enum class Algorithm { ring, halving_doubling };

/// A failed rendezvous or collective. `rank` names the peer at fault when it is known (-1 else).
class CollectiveError : public std::runtime_error {
 public:
  CollectiveError(const std::string& message, int rank, bool timed_out)
      : std::runtime_error(message), rank(rank), timed_out(timed_out) {}
  int rank;
  bool timed_out;
};

class ProcessGroup {
 public:
  explicit ProcessGroup(GroupOptions options);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return options_.rank; }
  int size() const { return options_.size; }
  Millis timeout() const { return options_.timeout; }

  /// Joins the rendezvous (every rank must, within the timeout) and connects to every peer.
  void connect();
  /// In place: every rank ends with the same sum (or sum / size for `mean`), bit for bit.
  void all_reduce(float* data, size_t count, bool mean, Algorithm algorithm = Algorithm::ring);
  /// In place: every rank ends with `root`'s data.
  void broadcast(float* data, size_t count, int root);
  /// Returns when every rank has entered the barrier.
  void barrier(Millis timeout);
  /// Closes the connections; later calls fail.
  void close();

  /// The failure that broke the group (every later collective fails too), if any. Thread-safe.
  struct Failure {
    std::string message;
    int rank;
    bool timed_out;
  };
  std::optional<Failure> failure() const;

 private:
  struct Peer {
    std::string host;
    long pid = 0;
  };
  void rendezvous();  ///< connect()'s work
  void check_usable(const char* what) const;
  /// Turns gloo's exception into a CollectiveError naming the lost rank when this host can tell.
  [[noreturn]] void fail(const char* what, const std::exception& e, Millis timeout);

  class Files;
  bool has_key(const std::string& key);  ///< in the job's prefix
  /// The rank a failure is blamed on: a peer of this host whose process exited without
  /// reporting a failure of its own; else the rank another rank's report blamed; else -1.
  int blame();

  GroupOptions options_;
  std::unique_ptr<TcpStoreServer> server_;          // rank 0 with a TCP store
  std::unique_ptr<gloo::rendezvous::Store> base_;   // Files or TcpStore (kept: failures are reported through it)
  std::unique_ptr<gloo::rendezvous::PrefixStore> store_;
  std::string where_;                               // the rendezvous, for messages
  std::shared_ptr<gloo::Context> context_;
  std::vector<Peer> peers_;
  mutable std::mutex failure_mutex_;
  std::optional<Failure> broken_;  ///< the first failure: the mesh is unusable after it
  bool closed_ = false;
};

}  // namespace deepsc::dist
