#include "tcp_store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace deepsc::dist {

namespace {

std::string address(const std::string& host, int port) { return host + ":" + std::to_string(port); }

addrinfo* resolve(const std::string& host, int port, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (passive) hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) throw std::runtime_error("cannot resolve " + address(host, port) + ": " + gai_strerror(rc));
  return res;
}

bool send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

bool recv_all(int fd, char* p, size_t n) {
  while (n > 0) {
    const ssize_t k = ::recv(fd, p, n, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

void put_u32(std::vector<char>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

void put_bytes(std::vector<char>& out, const char* p, size_t n) {
  put_u32(out, static_cast<uint32_t>(n));
  out.insert(out.end(), p, p + n);
}

}  // namespace

// --- server ------------------------------------------------------------------------------

TcpStoreServer::TcpStoreServer(const std::string& host, int port) {
  addrinfo* res = resolve(host, port, true);
  std::string last = "no address";
  for (addrinfo* a = res; a && listen_fd_ < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 128) == 0) {
      listen_fd_ = fd;
    } else {
      last = std::strerror(errno);
      ::close(fd);
    }
  }
  freeaddrinfo(res);
  if (listen_fd_ < 0)
    throw std::runtime_error("rank 0 cannot serve the rendezvous store at " + address(host, port) + ": " + last);
  if (::pipe2(wake_, O_CLOEXEC) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error(std::string("rendezvous store: pipe: ") + std::strerror(errno));
  }
  thread_ = std::thread([this] { run(); });
}

TcpStoreServer::~TcpStoreServer() {
  const char x = 0;
  (void)!::write(wake_[1], &x, 1);
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void TcpStoreServer::run() {
  struct Client {
    int fd;
    std::vector<char> in;
  };
  std::vector<Client> clients;
  for (;;) {
    std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const Client& c : clients) fds.push_back({c.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) break;
    if (fds[1].revents & POLLIN) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) clients.push_back({fd, {}});
    }
    for (size_t i = 2; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      Client& c = clients[i - 2];
      char buf[4096];
      const ssize_t k = ::recv(c.fd, buf, sizeof buf, 0);
      bool alive = k > 0;
      if (alive) c.in.insert(c.in.end(), buf, buf + k);
      // Answer every complete request in the buffer.
      while (alive && c.in.size() >= 5) {
        const char op = c.in[0];
        const size_t klen = get_u32(c.in.data() + 1);
        size_t need = 5 + klen;
        size_t vlen = 0;
        if (op == 'S') {
          if (c.in.size() < need + 4) break;
          vlen = get_u32(c.in.data() + need);
          need += 4 + vlen;
        }
        if (c.in.size() < need) break;
        const std::string key(c.in.data() + 5, klen);
        std::vector<char> reply;
        if (op == 'S') {
          data_[key] = std::vector<char>(c.in.begin() + static_cast<long>(5 + klen + 4), c.in.begin() + static_cast<long>(need));
          reply.push_back('K');
        } else if (op == 'G') {
          auto it = data_.find(key);
          if (it == data_.end()) reply.push_back('N');
          else {
            reply.push_back('V');
            put_bytes(reply, it->second.data(), it->second.size());
          }
        } else if (op == 'C') {
          reply.push_back(data_.count(key) ? 'Y' : 'N');
        } else {
          alive = false;  // not our protocol: drop the connection
          break;
        }
        c.in.erase(c.in.begin(), c.in.begin() + static_cast<long>(need));
        alive = send_all(c.fd, reply.data(), reply.size());
      }
      if (!alive) {
        ::close(c.fd);
        c.fd = -1;
      }
    }
    for (size_t i = clients.size(); i-- > 0;)
      if (clients[i].fd < 0) clients.erase(clients.begin() + static_cast<long>(i));
  }
  for (const Client& c : clients) ::close(c.fd);
}

// --- client ------------------------------------------------------------------------------

TcpStore::TcpStore(const std::string& host, int port, std::chrono::milliseconds timeout)
    : where_(address(host, port)), timeout_(timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "no address";
  while (fd_ < 0) {
    addrinfo* res = resolve(host, port, false);
    for (addrinfo* a = res; a && fd_ < 0; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fd_ = fd;
      } else {
        last = std::strerror(errno);
        ::close(fd);
      }
    }
    freeaddrinfo(res);
    if (fd_ >= 0) break;
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("cannot reach the rendezvous store at " + where_ + " (served by rank 0) within " +
                               std::to_string(timeout.count()) + " ms: " + last);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TcpStore::~TcpStore() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<char> TcpStore::request(char op, const std::string& key, const std::vector<char>* value, char* reply) {
  std::lock_guard<std::mutex> lock(m_);
  std::vector<char> msg{op};
  put_bytes(msg, key.data(), key.size());
  if (value) put_bytes(msg, value->data(), value->size());
  if (!send_all(fd_, msg.data(), msg.size()) || !recv_all(fd_, reply, 1))
    throw std::runtime_error("the rendezvous store at " + where_ + " (served by rank 0) closed the connection");
  std::vector<char> out;
  if (*reply == 'V') {
    char len[4];
    if (!recv_all(fd_, len, 4)) throw std::runtime_error("the rendezvous store at " + where_ + " closed the connection");
    out.resize(get_u32(len));
    if (!recv_all(fd_, out.data(), out.size()))
      throw std::runtime_error("the rendezvous store at " + where_ + " closed the connection");
  }
  return out;
}

void TcpStore::set(const std::string& key, const std::vector<char>& data) {
  char reply = 0;
  request('S', key, &data, &reply);
}

bool TcpStore::has(const std::string& key) {
  char reply = 0;
  request('C', key, nullptr, &reply);
  return reply == 'Y';
}

std::vector<char> TcpStore::get(const std::string& key) {
  wait({key}, timeout_);
  char reply = 0;
  std::vector<char> v = request('G', key, nullptr, &reply);
  if (reply != 'V') throw std::runtime_error("rendezvous store at " + where_ + ": key " + key + " vanished");
  return v;
}

void TcpStore::wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const std::string& key : keys) {
    while (!has(key)) {
      if (std::chrono::steady_clock::now() >= deadline)
        throw std::runtime_error("timeout waiting for key " + key + " in the rendezvous store at " + where_);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

}  // namespace deepsc::dist
