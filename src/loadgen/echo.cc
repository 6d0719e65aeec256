// The physical floor: a plain TCP echo server (epoll, one thread, blocking
// waits like the server's asio loop) and the open-loop client that sends it
// NewOrder-sized frames on the same schedule as `rialto load`, one send()
// per message as the client library does.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "driver.h"
#include "rialto/loadgen/load.h"
#include "rialto/protocol/framing.h"
#include "rialto/protocol/messages.h"

namespace rialto::loadgen {

namespace {

/// Sends what `buf` holds until the socket would block; what was sent is
/// removed from `buf`. False if the connection failed.
bool send_some(int fd, std::string& buf) {
  size_t off = 0;
  while (off < buf.size()) {
    const ssize_t w = ::send(fd, buf.data() + off, buf.size() - off, MSG_NOSIGNAL);
    if (w > 0) {
      off += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;
  }
  buf.erase(0, off);
  return true;
}

namespace p = rialto::protocol;

constexpr size_t kFrame = p::kFrameSize<p::NewOrder>;  // 60 bytes
constexpr size_t kIdOffset = p::kSofhSize + p::kHeaderSize + 8;  // cl_ord_id inside the frame

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }
void set_nodelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

class EchoServer {
 public:
  ~EchoServer() {
    for (auto& [fd, c] : conns_) ::close(fd);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (ep_ >= 0) ::close(ep_);
  }

  bool listen(const std::string& host, uint16_t port, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
      error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ::gai_strerror(rc);
      return false;
    }
    listen_fd_ = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (listen_fd_ < 0 || ::bind(listen_fd_, found->ai_addr, found->ai_addrlen) != 0 || ::listen(listen_fd_, 128) != 0) {
      error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
      ::freeaddrinfo(found);
      return false;
    }
    ::freeaddrinfo(found);
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    char name[INET6_ADDRSTRLEN] = "?";
    if (sa.ss_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&sa);
      ::inet_ntop(AF_INET, &in->sin_addr, name, sizeof name);
      port_ = ntohs(in->sin_port);
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&sa);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, name, sizeof name);
      port_ = ntohs(in6->sin6_port);
    }
    bound_ = std::string(name) + ":" + std::to_string(port_);
    set_nonblocking(listen_fd_);
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listen_fd_;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, listen_fd_, &ev);
    return true;
  }

  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& bound() const { return bound_; }

  /// Echoes until `stop` is set (checked every 100 ms).
  void run(const std::atomic<bool>& stop) {
    std::vector<epoll_event> events(64);
    char buf[64 * 1024];
    while (!stop.load(std::memory_order_relaxed)) {
      const int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 100);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd_) {
          accept_all();
          continue;
        }
        auto it = conns_.find(fd);
        if (it == conns_.end()) continue;
        Conn& c = it->second;
        bool gone = false;
        if (events[i].events & EPOLLOUT) gone = !write_pending(fd, c);
        if (!gone && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
          for (;;) {
            const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
            if (r > 0) {
              c.pending.append(buf, static_cast<size_t>(r));
              if (!write_pending(fd, c)) {
                gone = true;
                break;
              }
              continue;
            }
            if (r < 0 && errno == EINTR) continue;
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            gone = true;  // EOF or error
            break;
          }
        }
        if (gone) {
          ::epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
          ::close(fd);
          conns_.erase(it);
        }
      }
    }
  }

 private:
  struct Conn {
    std::string pending;
    bool want_out = false;
  };

  void accept_all() {
    for (;;) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      set_nodelay(fd);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
      conns_.emplace(fd, Conn{});
    }
  }

  /// False if the connection failed.
  bool write_pending(int fd, Conn& c) {
    if (!send_some(fd, c.pending)) return false;
    const bool want = !c.pending.empty();
    if (want != c.want_out) {
      epoll_event ev{};
      ev.events = EPOLLIN | (want ? static_cast<uint32_t>(EPOLLOUT) : 0u);
      ev.data.fd = fd;
      ::epoll_ctl(ep_, EPOLL_CTL_MOD, fd, &ev);
      c.want_out = want;
    }
    return true;
  }

  int listen_fd_ = -1;
  int ep_ = -1;
  uint16_t port_ = 0;
  std::string bound_;
  std::unordered_map<int, Conn> conns_;
};

struct EchoConn {
  int fd = -1;
  std::string out;  // not yet written
  char in[64 * 1024];
  size_t in_len = 0;
};

int connect_to(const std::string& host, uint16_t port, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string where = host + ":" + std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    error = "cannot connect to " + where + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    error = "cannot connect to " + where + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd >= 0) {
    set_nodelay(fd);
    set_nonblocking(fd);
  }
  return fd;
}

}  // namespace

int run_echo_server(const std::string& host, uint16_t port, std::ostream& out, std::ostream& err) {
  EchoServer server;
  std::string error;
  if (!server.listen(host, port, error)) {
    err << "rialto load: " << error << '\n';
    return 1;
  }
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  out << "rialto load: echo server listening on " << server.bound() << '\n';
  out.flush();
  server.run(g_stop);
  return 0;
}

int run_echo_load(const LoadOptions& o, std::ostream& out, std::ostream& err) {
  std::string host = o.host;
  uint16_t port = o.port;
  EchoServer local;
  std::atomic<bool> local_stop{false};
  std::thread local_thread;
  std::string error;
  if (!o.connect_given) {
    if (!local.listen("127.0.0.1", 0, error)) {
      err << "rialto load: " << error << '\n';
      return 1;
    }
    host = "127.0.0.1";
    port = local.port();
    local_thread = std::thread([&] { local.run(local_stop); });
  }
  struct StopLocal {
    std::atomic<bool>& stop;
    std::thread& t;
    ~StopLocal() {
      stop.store(true);
      if (t.joinable()) t.join();
    }
  } stop_local{local_stop, local_thread};

  std::vector<std::unique_ptr<EchoConn>> cs;
  for (uint32_t i = 0; i < o.sessions; ++i) {
    auto c = std::make_unique<EchoConn>();
    c->fd = connect_to(host, port, error);
    if (c->fd < 0) {
      err << "rialto load: " << error << '\n';
      return 1;
    }
    cs.push_back(std::move(c));
  }
  struct CloseAll {
    std::vector<std::unique_ptr<EchoConn>>& cs;
    ~CloseAll() {
      for (auto& c : cs) ::close(c->fd);
    }
  } close_all{cs};

  Driver d(o, err);
  p::NewOrder proto{};
  proto.qty = 100;
  proto.price = 10'000;
  proto.price_exponent = -2;
  (void)p::set_field(proto.symbol, "LOAD0");
  char frame[kFrame];

  auto write_out = [&](EchoConn& c) -> bool {
    return send_some(c.fd, c.out);
  };

  bool failed = false;
  auto drain = [&](EchoConn& c, int64_t now) {
    for (;;) {
      const ssize_t r = ::recv(c.fd, c.in + c.in_len, sizeof c.in - c.in_len, 0);
      if (r > 0) {
        c.in_len += static_cast<size_t>(r);
        size_t off = 0;
        for (; c.in_len - off >= kFrame; off += kFrame) {
          uint64_t k = 0;
          std::memcpy(&k, c.in + off + kIdOffset, sizeof k);
          d.answered(d.schedule(k), now);
        }
        std::memmove(c.in, c.in + off, c.in_len - off);
        c.in_len -= off;
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      err << "\nrialto load: the echo server closed the connection\n";
      failed = true;
      return;
    }
  };

  std::vector<pollfd> fds(cs.size());
  const uint64_t total = d.scheduled();
  const int64_t t0 = now_ns();
  d.start(t0);
  const int64_t span = d.schedule(total) - t0;
  const int64_t send_deadline = t0 + span + std::max<int64_t>(1'000'000'000, span / 2);
  int64_t drain_deadline = 0;
  uint64_t k = 0;
  while (!failed) {
    int64_t now = now_ns();
    for (int burst = 0; k < total && burst < 256; ++burst) {
      if (d.schedule(k) > now) break;
      EchoConn& c = *cs[k % cs.size()];
      if (c.out.size() > 64 * 1024) break;  // the peer is not reading: wait (the delay counts)
      proto.seq = k + 1;
      proto.cl_ord_id = k;
      p::encode(proto, frame);
      c.out.append(frame, kFrame);
      if (!write_out(c)) {
        err << "\nrialto load: cannot send to the echo server: " << std::strerror(errno) << '\n';
        failed = true;
        break;
      }
      d.sent(k, now);
      ++k;
      if ((burst & 15) == 15) now = now_ns();
    }
    for (auto& c : cs) {
      if (!c->out.empty() && !write_out(*c)) failed = true;
    }
    if (k == total || now > send_deadline) {
      if (drain_deadline == 0) drain_deadline = now + static_cast<int64_t>(o.drain_s * 1e9);
      if (d.outstanding() == 0 || now > drain_deadline) break;
    }
    for (size_t i = 0; i < cs.size(); ++i) {
      fds[i] = pollfd{cs[i]->fd, static_cast<short>(POLLIN | (cs[i]->out.empty() ? 0 : POLLOUT)), 0};
    }
    const int64_t next = k < total ? d.schedule(k) : now + 1'000'000;
    const int ready = d.wait(fds, next, now);
    now = now_ns();
    if (ready > 0) {
      for (size_t i = 0; i < cs.size(); ++i) {
        if (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) drain(*cs[i], now_ns());
      }
    }
    d.progress(now);
  }
  const std::string title = o.connect_given ? "echo server at " + host + ":" + std::to_string(port)
                                            : "in-process echo server (thread) at " + host + ":" + std::to_string(port);
  const bool cdf_ok = d.summary(out, title, "messages   60-byte frames (a NewOrder's size), echoed\n");
  if (failed) return 1;
  return cdf_ok ? 0 : 1;
}

}  // namespace rialto::loadgen
