// Test support: a blocking SoupBinTCP subscriber over a POSIX socket, and a
// thread-safe log the tests wait on.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "rialto/itch/soup.h"

namespace rialto::mdfeed::test {

namespace soup = itch::soup;

/// Every line the publisher logged; wait_for() blocks until one contains a text.
class TestLog {
 public:
  void line(std::string_view l) {
    std::lock_guard<std::mutex> g(m_);
    lines_.emplace_back(l);
    cv_.notify_all();
  }
  bool wait_for(std::string_view needle, int timeout_ms = 5000) {
    std::unique_lock<std::mutex> g(m_);
    return cv_.wait_for(g, std::chrono::milliseconds(timeout_ms), [&] { return find_locked(needle); });
  }
  bool contains(std::string_view needle) {
    std::lock_guard<std::mutex> g(m_);
    return find_locked(needle);
  }
  std::string all() {
    std::lock_guard<std::mutex> g(m_);
    std::string r;
    for (auto& l : lines_) r += l + "\n";
    return r;
  }

 private:
  bool find_locked(std::string_view needle) const {
    for (auto& l : lines_) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

struct Received {
  soup::PacketType type;
  std::string payload;
  uint64_t sequence = 0;  // Login Accepted
  soup::RejectReason reason = soup::RejectReason::not_authorized;
};

class Subscriber {
 public:
  explicit Subscriber(uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Subscriber() {
    if (fd_ >= 0) ::close(fd_);
  }
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }

  void send_raw(std::string_view bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  void login(uint64_t sequence, std::string_view session = "", std::string_view user = "test") {
    std::string b;
    soup::append_login_request(b, user, "", session, sequence);
    send_raw(b);
  }
  void heartbeat() {
    std::string b;
    soup::append_client_heartbeat(b);
    send_raw(b);
  }
  void logout() {
    std::string b;
    soup::append_logout_request(b);
    send_raw(b);
  }

  /// The next packet, or false on timeout, end of stream or a decode error
  /// (eof() / error() say which).
  bool next(Received* out, int timeout_ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      soup::Packet p;
      switch (decoder_.next(&p)) {
        case soup::SoupDecoder::Next::packet:
          out->type = p.type;
          out->payload.assign(p.payload);
          out->sequence = p.sequence;
          out->reason = p.reject_reason;
          return true;
        case soup::SoupDecoder::Next::error:
          return false;
        case soup::SoupDecoder::Next::need_more:
          break;
      }
      if (eof_) return false;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return false;
      pollfd pf{fd_, POLLIN, 0};
      if (::poll(&pf, 1, static_cast<int>(left)) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        continue;
      }
      decoder_.append(buf, static_cast<size_t>(n));
    }
  }

  /// Reads until End of Session (true) or the stream ends/times out (false),
  /// keeping the Sequenced Data payloads and the Unsequenced ones.
  bool read_to_end(int timeout_ms = 10000) {
    Received r;
    while (next(&r, timeout_ms)) {
      if (r.type == soup::PacketType::sequenced_data) sequenced.push_back(r.payload);
      if (r.type == soup::PacketType::unsequenced_data) unsequenced.push_back(r.payload);
      if (r.type == soup::PacketType::end_of_session) return true;
    }
    return false;
  }

  [[nodiscard]] bool eof() const { return eof_; }
  [[nodiscard]] const std::string& error() const { return decoder_.error(); }
  [[nodiscard]] int fd() const { return fd_; }

  std::vector<std::string> sequenced;
  std::vector<std::string> unsequenced;

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  soup::SoupDecoder decoder_{soup::Direction::from_server};
};

}  // namespace rialto::mdfeed::test
