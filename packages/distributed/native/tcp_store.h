#pragma once
// A key-value store over TCP for the rendezvous when the ranks share no folder: rank 0 serves
// it (TcpStoreServer, one thread polling every connection) and every rank, rank 0 included, is a
// client (TcpStore, a gloo Store). The gloo snapshot Debian ships has only file, hash and redis
// stores. Protocol, one request per round trip over a persistent connection:
//   'S' key value  -> 'K'            set (overwrites)
//   'G' key        -> 'V' value | 'N' get (N: absent)
//   'C' key        -> 'Y' | 'N'      has
// where key and value are a 32-bit little-endian length and the bytes.
#include <gloo/rendezvous/store.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace deepsc::dist {

class TcpStoreServer {
 public:
  /// Listens on host:port (throws std::runtime_error naming the address when it cannot).
  TcpStoreServer(const std::string& host, int port);
  ~TcpStoreServer();
  TcpStoreServer(const TcpStoreServer&) = delete;
  TcpStoreServer& operator=(const TcpStoreServer&) = delete;

 private:
  void run();
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // a pipe: the destructor writes to end the loop
  std::map<std::string, std::vector<char>> data_;
  std::thread thread_;
};

class TcpStore : public gloo::rendezvous::Store {
 public:
  /// Connects to host:port, retrying until `timeout` (the server may start later).
  TcpStore(const std::string& host, int port, std::chrono::milliseconds timeout);
  ~TcpStore() override;

  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override { wait(keys, timeout_); }
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override;
  bool has(const std::string& key);

 private:
  std::vector<char> request(char op, const std::string& key, const std::vector<char>* value, char* reply);
  std::string where_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::mutex m_;
};

}  // namespace deepsc::dist
