#include "process_group.h"

#include <gloo/allreduce.h>
#include <gloo/allreduce_halving_doubling.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <thread>

namespace deepsc::dist {

// gloo's FileStore, with the existence check it keeps protected (to find who has not joined,
// and who reported a failure).
class ProcessGroup::Files : public gloo::rendezvous::FileStore {
 public:
  using gloo::rendezvous::FileStore::FileStore;
  bool has(const std::string& key) { return check({key}); }
};

namespace {

std::string member_key(int rank) { return "member." + std::to_string(rank); }
// Written by a rank whose collective failed, before it throws: "<blamed rank>\n<message>".
std::string failed_key(int rank) { return "failed." + std::to_string(rank); }

std::string this_host() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

// Whether a process of this host is gone: no such pid, or a zombie its parent has not reaped.
bool process_gone(long pid) {
  if (pid <= 0) return false;
  if (kill(static_cast<pid_t>(pid), 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t close = line.rfind(')');  // the command name may hold spaces and parentheses
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

std::string list_ranks(const std::vector<int>& ranks) {
  std::string s;
  for (int r : ranks) s += (s.empty() ? "" : ", ") + std::to_string(r);
  return s;
}

void sum_floats(void* c, const void* a, const void* b, size_t n) {
  auto* out = static_cast<float*>(c);
  const auto* x = static_cast<const float*>(a);
  const auto* y = static_cast<const float*>(b);
  for (size_t i = 0; i < n; ++i) out[i] = x[i] + y[i];
}

constexpr uint32_t kTag = 0x44534300;  // "DSC": one tag for every collective (they run in order)

}  // namespace

ProcessGroup::ProcessGroup(GroupOptions options) : options_(std::move(options)) {}

ProcessGroup::~ProcessGroup() = default;

bool ProcessGroup::has_key(const std::string& key) {
  const std::string full = options_.job_id + "/" + key;
  if (auto* f = dynamic_cast<Files*>(base_.get())) return f->has(full);
  return static_cast<TcpStore*>(base_.get())->has(full);
}

void ProcessGroup::connect() {
  try {
    rendezvous();
  } catch (const CollectiveError&) {
    throw;
  } catch (const std::exception& e) {
    // The store failed under us (with a TCP store: rank 0, which serves it, went away).
    throw CollectiveError("rendezvous failed " + where_ + ": " + e.what(), options_.store_port > 0 ? 0 : -1, false);
  }
}

void ProcessGroup::rendezvous() {
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + options_.timeout;
  const bool tcp = options_.store_port > 0;
  where_ = tcp ? "(rendezvous store " + options_.store_host + ":" + std::to_string(options_.store_port) +
                     " served by rank 0, job '" + options_.job_id + "')"
               : "(rendezvous folder " + options_.store_path + ", job '" + options_.job_id + "')";
  const std::string& where = where_;
  const std::string place = tcp ? "the rendezvous store " + options_.store_host + ":" + std::to_string(options_.store_port)
                                : options_.store_path;
  try {
    if (tcp) {
      if (options_.rank == 0) server_ = std::make_unique<TcpStoreServer>(options_.store_host, options_.store_port);
      base_ = std::make_unique<TcpStore>(options_.store_host, options_.store_port, options_.timeout);
    } else {
      base_ = std::make_unique<Files>(options_.store_path);
    }
  } catch (const std::exception& e) {
    const std::string what = e.what();
    const bool timed_out = what.find("within") != std::string::npos;
    throw CollectiveError(tcp ? (timed_out ? "rendezvous timed out: " + what : what)
                              : "cannot use the rendezvous folder " + options_.store_path + ": " + what,
                          tcp && options_.rank != 0 ? 0 : -1, timed_out);
  }
  store_ = std::make_unique<gloo::rendezvous::PrefixStore>(options_.job_id, *base_);
  gloo::rendezvous::PrefixStore& store = *store_;
  if (has_key(member_key(options_.rank)))
    throw CollectiveError("rank " + std::to_string(options_.rank) + " already joined job '" + options_.job_id +
                              "' in " + place +
                              " (an earlier run's keys, or two processes given one rank): use an empty folder or "
                              "another job id",
                          options_.rank, false);
  const std::string me = this_host() + "\n" + std::to_string(static_cast<long>(getpid()));
  try {
    store.set(member_key(options_.rank), std::vector<char>(me.begin(), me.end()));
  } catch (const std::exception& e) {
    throw CollectiveError("cannot write to the rendezvous " + where + ": " + e.what(), -1, false);
  }

  // Every rank announces itself first, so a rank that never comes is named.
  std::vector<int> missing;
  for (;;) {
    missing.clear();
    for (int r = 0; r < options_.size; ++r)
      if (r != options_.rank && !has_key(member_key(r))) missing.push_back(r);
    if (missing.empty()) break;
    if (std::chrono::steady_clock::now() >= deadline)
      throw CollectiveError("rendezvous timed out after " + std::to_string(options_.timeout.count()) +
                                " ms: rank" + (missing.size() > 1 ? "s " : " ") + list_ranks(missing) +
                                " of " + std::to_string(options_.size) + " did not join " + where,
                            missing.front(), true);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  try {
    gloo::transport::tcp::attr attr;
    attr.hostname = options_.hostname;
    auto device = gloo::transport::tcp::CreateDevice(attr);
    auto context = std::make_shared<gloo::rendezvous::Context>(options_.rank, options_.size);
    const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    context->setTimeout(std::max(left, Millis(1000)));
    context->connectFullMesh(store, device);
    context->setTimeout(options_.timeout);
    context_ = std::move(context);
  } catch (const CollectiveError&) {
    throw;
  } catch (const std::exception& e) {
    throw CollectiveError(std::string("connecting to the other ranks failed ") + where + ": " + e.what(), -1,
                          std::string(e.what()).find("imeout") != std::string::npos);
  }
  peers_.resize(static_cast<size_t>(options_.size));
  for (int r = 0; r < options_.size; ++r) {
    const std::vector<char> v = store.get(member_key(r));
    const std::string s(v.begin(), v.end());
    const size_t nl = s.find('\n');
    peers_[static_cast<size_t>(r)] = {s.substr(0, nl), nl == std::string::npos ? 0 : std::atol(s.c_str() + nl + 1)};
  }
}

void ProcessGroup::check_usable(const char* what) const {
  if (closed_) throw CollectiveError(std::string(what) + ": the process group was destroyed", -1, false);
  if (!context_) throw CollectiveError(std::string(what) + ": the process group is not connected", -1, false);
  if (auto f = failure())
    throw CollectiveError(std::string(what) + ": the process group failed earlier (" + f->message +
                              "); the job must end (every rank sees the failure)",
                          f->rank, f->timed_out);
}

int ProcessGroup::blame() {
  const std::string host = this_host();
  const auto reported = [&](int r) {
    try {
      return has_key(failed_key(r));
    } catch (const std::exception&) {
      return false;  // the store is gone (rank 0 served it and exited)
    }
  };
  // The socket may close a moment before the process is reaped: look again briefly.
  for (int attempt = 0; attempt < 20; ++attempt) {
    for (int r = 0; r < options_.size; ++r) {
      const Peer& p = peers_[static_cast<size_t>(r)];
      if (r != options_.rank && p.host == host && process_gone(p.pid) && !reported(r)) return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Ranks that failed before this one (and may have exited since) say whom they blamed.
  for (int r = 0; r < options_.size; ++r) {
    if (r == options_.rank || !reported(r)) continue;
    try {
      const std::vector<char> v = store_->get(failed_key(r));
      const int blamed = std::atoi(std::string(v.begin(), v.end()).c_str());
      if (blamed >= 0 && blamed != options_.rank) return blamed;
    } catch (const std::exception&) {
    }
  }
  return -1;
}

void ProcessGroup::fail(const char* what, const std::exception& e, Millis timeout) {
  const std::string detail = e.what();
  const bool timed_out = detail.find("Timed out") != std::string::npos || detail.find("imeout") != std::string::npos;
  int lost = blame();
  const auto reported_safe = [&](int r) {
    try {
      return has_key(failed_key(r));
    } catch (const std::exception&) {
      return true;  // the store is gone: nothing to learn from it
    }
  };
  const auto report = [&](int blamed, const std::string& message) {
    try {
      const std::string value = std::to_string(blamed) + "\n" + message;
      store_->set(failed_key(options_.rank), std::vector<char>(value.begin(), value.end()));
    } catch (const std::exception&) {
      // the folder is gone: the other ranks diagnose on their own
    }
  };
  // A timeout with every peer process alive: the ranks that time out too report it at about
  // the same moment; the ones that stay silent are hung (or stuck outside the collective).
  std::vector<int> silent;
  if (lost < 0 && timed_out) {
    report(-1, "timed out");
    const auto deadline = std::chrono::steady_clock::now() + std::min(timeout, Millis(2000));
    for (;;) {
      silent.clear();
      for (int r = 0; r < options_.size; ++r)
        if (r != options_.rank && !reported_safe(r)) silent.push_back(r);
      if (silent.empty() || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const Peer* peer = lost >= 0 ? &peers_[static_cast<size_t>(lost)] : nullptr;
  std::string message;
  if (!silent.empty()) {
    lost = silent.front();
    message = std::string(what) + " timed out after " + std::to_string(timeout.count()) + " ms: rank" +
              (silent.size() > 1 ? "s " : " ") + list_ranks(silent) +
              " did not answer (alive as far as this host can tell, but neither finished the collective nor "
              "reported a failure: hung, stuck outside the collective, or lost on another machine)";
  } else if (peer && process_gone(peer->pid) && peer->host == this_host())
    message = std::string(what) + " failed: rank " + std::to_string(lost) + " (pid " + std::to_string(peer->pid) +
              " on this host) exited";
  else if (peer)
    message = std::string(what) + " failed: rank " + std::to_string(lost) + " was lost (reported by another rank)";
  else if (timed_out)
    message = std::string(what) + " timed out after " + std::to_string(timeout.count()) +
              " ms waiting for the other ranks (none on this host exited: one is hung, slow, or on another "
              "machine and lost)";
  else
    message = std::string(what) + " failed: a connection to another rank broke";
  message += " [gloo: " + detail + "]";
  report(lost, message);
  {
    std::lock_guard<std::mutex> lock(failure_mutex_);
    if (!broken_) broken_ = Failure{message, lost, timed_out};
  }
  throw CollectiveError(message, lost, timed_out);
}

void ProcessGroup::all_reduce(float* data, size_t count, bool mean, Algorithm algorithm) {
  check_usable("allReduce");
  if (count == 0) return;
  try {
    if (options_.size > 1) {
      if (algorithm == Algorithm::halving_doubling) {
        gloo::AllreduceHalvingDoubling<float> hd(context_, {data}, static_cast<int>(count));
        hd.run();
      } else {
        gloo::AllreduceOptions o(context_);
        o.setOutput(data, count);
        o.setReduceFunction(sum_floats);
        o.setTag(kTag);
        o.setTimeout(options_.timeout);
        gloo::allreduce(o);
      }
    }
  } catch (const std::exception& e) {
    fail("allReduce", e, options_.timeout);
  }
  if (mean && options_.size > 1) {
    const float n = static_cast<float>(options_.size);
    for (size_t i = 0; i < count; ++i) data[i] /= n;
  }
}

void ProcessGroup::broadcast(float* data, size_t count, int root) {
  check_usable("broadcast");
  if (count == 0 || options_.size == 1) return;
  try {
    gloo::BroadcastOptions o(context_);
    o.setOutput(data, count);
    o.setRoot(root);
    o.setTag(kTag);
    o.setTimeout(options_.timeout);
    gloo::broadcast(o);
  } catch (const std::exception& e) {
    fail("broadcast", e, options_.timeout);
  }
}

void ProcessGroup::barrier(Millis timeout) {
  check_usable("barrier");
  if (options_.size == 1) return;
  try {
    gloo::BarrierOptions o(context_);
    o.setTag(kTag);
    o.setTimeout(timeout);
    gloo::barrier(o);
  } catch (const std::exception& e) {
    fail("barrier", e, timeout);
  }
}

std::optional<ProcessGroup::Failure> ProcessGroup::failure() const {
  std::lock_guard<std::mutex> lock(failure_mutex_);
  return broken_;
}

void ProcessGroup::close() {
  closed_ = true;
  if (context_) {
    try {
      context_->closeConnections();
    } catch (const std::exception&) {
      // already broken: nothing left to close cleanly
    }
    context_.reset();
  }
}

}  // namespace deepsc::dist
