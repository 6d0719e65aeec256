// A tiny fake order-entry server for the client tests: a loopback listener
// whose connections each run a handler on their own thread, and the server
// end of a connection (frames in, frames out with the server's own seq).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rialto/protocol/framing.h"

namespace rialto::client::test {

namespace p = rialto::protocol;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

/// The server end of one connection: frames in, frames out with its own seq.
struct Conn {
  int fd = -1;
  uint64_t seq = 0;
  std::string buf;

  struct In {
    p::TemplateId id;
    std::string block;
    uint64_t seq() const {
      uint64_t s;
      std::memcpy(&s, block.data(), sizeof s);
      return s;
    }
    template <class M>
    M as() const {
      M m;
      std::memcpy(&m, block.data(), sizeof m);
      return m;
    }
  };

  /// The next frame within timeout_ms; nullopt on timeout, EOF or a bad frame.
  std::optional<In> read(int timeout_ms = 2000) {
    const auto deadline = Clock::now() + milliseconds(timeout_ms);
    for (;;) {
      p::Decoded d = p::decode(buf.data(), buf.size());
      if (d.status == p::DecodeStatus::frame) {
        In in{static_cast<p::TemplateId>(d.template_id), std::string(d.block, p::block_length_of(d.template_id))};
        buf.erase(0, d.frame_size);
        return in;
      }
      if (d.status == p::DecodeStatus::error) return std::nullopt;
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
      char tmp[4096];
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return std::nullopt;
      buf.append(tmp, static_cast<size_t>(n));
    }
  }

  template <class M>
  void send(M m) {
    m.seq = ++seq;
    send_as_is(m);
  }
  template <class M>
  void send_as_is(const M& m) {
    char frame[p::kFrameSize<M>];
    raw(frame, p::encode(m, frame));
  }
  void raw(const char* data, size_t n) { ASSERT_EQ(::send(fd, data, n, MSG_NOSIGNAL), static_cast<ssize_t>(n)); }

  /// Answers the Logon with a LogonAck of `session_id`.
  void accept_logon(uint32_t session_id = 7) {
    std::optional<In> in = read();
    ASSERT_TRUE(in && in->id == p::TemplateId::logon);
    auto logon = in->as<p::Logon>();
    EXPECT_EQ(uint64_t{logon.seq}, 1u);
    send(p::LogonAck{0, session_id, logon.heartbeat_ms, 1});
  }
};

/// Listens on 127.0.0.1 (any free port); each accepted connection runs `handler` on its own thread.
class FakeServer {
 public:
  explicit FakeServer(std::function<void(Conn&)> handler, int connections = 1) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_fd_, 8), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this, connections] {
      for (int i = 0; i < connections; ++i) {
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;
        int one = 1;  // frames go out at once, as a venue's would (no Nagle delay in the tests)
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        threads_.emplace_back([this, fd] {
          Conn c;
          c.fd = fd;
          handler_(c);
          ::close(fd);
        });
      }
    });
  }
  ~FakeServer() {
    acceptor_.join();
    for (auto& t : threads_) t.join();
    ::close(listen_fd_);
  }
  [[nodiscard]] uint16_t port() const { return port_; }

 private:
  std::function<void(Conn&)> handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> threads_;
};

/// Waits until the client closes its end (the handler must not close first).
inline void wait_for_close(Conn& c) {
  while (c.read(5000)) {
  }
}

}  // namespace rialto::client::test
