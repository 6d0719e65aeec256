#include "rialto/client/session.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace rialto::client {

namespace p = rialto::protocol;

std::string_view to_string(p::LogoutReason r) {
  switch (r) {
    case p::LogoutReason::user_request: return "user_request";
    case p::LogoutReason::bad_credentials: return "bad_credentials";
    case p::LogoutReason::not_logged_on: return "not_logged_on";
    case p::LogoutReason::sequence_gap: return "sequence_gap";
    case p::LogoutReason::heartbeat_timeout: return "heartbeat_timeout";
    case p::LogoutReason::rate_limit: return "rate_limit";
    case p::LogoutReason::malformed_frame: return "malformed_frame";
    case p::LogoutReason::unknown_template: return "unknown_template";
    case p::LogoutReason::bad_block_length: return "bad_block_length";
    case p::LogoutReason::bad_schema: return "bad_schema";
    case p::LogoutReason::slow_consumer: return "slow_consumer";
    case p::LogoutReason::shutdown: return "shutdown";
    case p::LogoutReason::already_logged_on: return "already_logged_on";
    case p::LogoutReason::bad_logon: return "bad_logon";
    case p::LogoutReason::server_busy: return "server_busy";
  }
  return "unknown";
}

namespace {

/// Templates the server may send.
bool from_server(uint16_t t) {
  switch (static_cast<p::TemplateId>(t)) {
    case p::TemplateId::logon_ack:
    case p::TemplateId::logout:
    case p::TemplateId::heartbeat:
    case p::TemplateId::execution_report:
    case p::TemplateId::sync_ack:
    case p::TemplateId::book_level:
    case p::TemplateId::book_end:
    case p::TemplateId::instrument_report:
    case p::TemplateId::mass_cancel_report: return true;
    default: return false;
  }
}

int millis_until(Session::Clock::time_point t, Session::Clock::time_point now) {
  if (t <= now) return 0;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - now).count() + 1;
  return static_cast<int>(std::min<int64_t>(ms, 1 << 30));
}

}  // namespace

Session::~Session() { close(); }

void Session::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Session::adopt(int fd) {
  close();
  fd_ = fd;
  logged_out_ = admin_ = false;
  session_id_ = heartbeat_ms_ = 0;
  out_seq_ = in_seq_ = 0;
  rx_begin_ = rx_end_ = tx_begin_ = tx_end_ = 0;
  error_.clear();
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  last_sent_ = last_received_ = Clock::now();
}

bool Session::connect(std::string_view host, uint16_t port) {
  close();
  const std::string where = std::string(host) + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string h(host);
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(h.c_str(), service.c_str(), &hints, &found); rc != 0) {
    error_ = "cannot connect to " + where + ": " + ::gai_strerror(rc);
    return false;
  }
  int last_errno = 0;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::freeaddrinfo(found);
      adopt(fd);
      return true;
    }
    last_errno = errno;
    ::close(fd);
  }
  ::freeaddrinfo(found);
  error_ = "cannot connect to " + where + ": " + std::strerror(last_errno);
  return false;
}

LogonResult Session::logon(std::string_view account, std::string_view password, uint32_t heartbeat_ms,
                           bool cancel_on_disconnect, int timeout_ms) {
  LogonResult r;
  p::Logon m{};
  m.heartbeat_ms = heartbeat_ms;
  m.cancel_on_disconnect = cancel_on_disconnect ? 1 : 0;
  if (!p::set_field(m.account, account)) {
    r.text = "account name is longer than " + std::to_string(p::kAccountSize) + " characters";
    return r;
  }
  if (!p::set_field(m.password, password)) {
    r.text = "password is longer than " + std::to_string(p::kPasswordSize) + " characters";
    return r;
  }
  if (!send(m)) {
    r.text = error_;
    return r;
  }
  Frame f;
  switch (receive(f, timeout_ms)) {
    case RecvStatus::frame: break;
    case RecvStatus::timeout:
      r.text = "no answer to Logon within " + std::to_string(timeout_ms) + " ms";
      close();
      return r;
    default: r.text = error_; return r;
  }
  if (f.is<p::LogonAck>()) {
    r.status = LogonResult::Status::ok;
    r.ack = f.as<p::LogonAck>();
    session_id_ = r.ack.session_id;
    heartbeat_ms_ = r.ack.heartbeat_ms;
    admin_ = r.ack.admin != 0;
    return r;
  }
  if (f.is<p::Logout>()) {
    auto lo = f.as<p::Logout>();
    r.status = LogonResult::Status::logged_out;
    r.reason = static_cast<p::LogoutReason>(lo.reason);
    r.text = std::string(p::field_view(lo.text));
    return r;
  }
  r.text = "expected LogonAck, got " + std::string(p::template_name(static_cast<uint16_t>(f.template_id)));
  error_ = r.text;
  close();
  return r;
}

void Session::logout(int timeout_ms) {
  if (fd_ < 0) return;
  p::Logout m{};
  m.reason = static_cast<uint8_t>(p::LogoutReason::user_request);
  if (send(m)) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    Frame f;
    while (fd_ >= 0) {
      const int left = millis_until(deadline, Clock::now());
      if (left == 0 || receive(f, left) != RecvStatus::frame || f.is<p::Logout>()) break;
    }
  }
  close();
}

void Session::logout_best_effort(p::LogoutReason reason, std::string_view text) {
  if (fd_ < 0) return;
  p::Logout lo{};
  lo.seq = out_seq_ + 1;
  lo.reason = static_cast<uint8_t>(reason);
  (void)p::set_field(lo.text, text.substr(0, p::kTextSize));
  char frame[p::kFrameSize<p::Logout>];
  const size_t n = p::encode(lo, frame);
  if (::send(fd_, frame, n, MSG_NOSIGNAL | MSG_DONTWAIT) == static_cast<ssize_t>(n)) out_seq_ = lo.seq;
}

RecvStatus Session::fail(RecvStatus s, std::string what) {
  error_ = std::move(what);
  close();
  return s;
}

bool Session::queue(const char* data, size_t n) {
  if (fd_ < 0) {
    if (error_.empty()) error_ = "the session is closed";
    return false;
  }
  if (tx_.size() - tx_end_ < n && tx_begin_ > 0) {  // make room at the end
    std::memmove(tx_.data(), tx_.data() + tx_begin_, tx_end_ - tx_begin_);
    tx_end_ -= tx_begin_;
    tx_begin_ = 0;
  }
  if (tx_.size() - tx_end_ < n) {
    if (!blocking_) {
      error_ = "the send buffer is full (" + std::to_string(tx_.size()) + " bytes): the server is not reading";
      return false;
    }
    if (!flush()) return false;
    tx_begin_ = tx_end_ = 0;
  }
  std::memcpy(tx_.data() + tx_end_, data, n);
  tx_end_ += n;
  last_sent_ = Clock::now();
  return blocking_ ? flush() : write_some();
}

bool Session::write_some() {
  while (tx_begin_ < tx_end_) {
    ssize_t n = ::send(fd_, tx_.data() + tx_begin_, tx_end_ - tx_begin_, MSG_NOSIGNAL);
    if (n > 0) {
      tx_begin_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    fail(RecvStatus::error, std::string("cannot send to the server: ") + std::strerror(errno));
    return false;
  }
  tx_begin_ = tx_end_ = 0;
  return true;
}

bool Session::flush() {
  if (fd_ < 0) return false;
  if (!write_some()) return false;
  while (blocking_ && tx_begin_ < tx_end_) {
    pollfd pfd{fd_, POLLOUT, 0};
    const int ready = ::poll(&pfd, 1, kSendTimeoutMs);
    if (ready < 0 && errno != EINTR) {
      fail(RecvStatus::error, std::string("poll failed: ") + std::strerror(errno));
      return false;
    }
    if (ready == 0) {
      fail(RecvStatus::error, "cannot send for " + std::to_string(kSendTimeoutMs) + " ms: the server is not reading");
      return false;
    }
    if (!write_some()) return false;
  }
  return true;
}

int Session::read_some() {
  if (rx_begin_ == rx_end_) {
    rx_begin_ = rx_end_ = 0;
  } else if (rx_.size() - rx_end_ < p::kMaxFrameSize) {
    std::memmove(rx_.data(), rx_.data() + rx_begin_, rx_end_ - rx_begin_);
    rx_end_ -= rx_begin_;
    rx_begin_ = 0;
  }
  for (;;) {
    ssize_t n = ::recv(fd_, rx_.data() + rx_end_, rx_.size() - rx_end_, 0);
    if (n > 0) {
      rx_end_ += static_cast<size_t>(n);
      last_received_ = Clock::now();
      return 1;
    }
    if (n == 0) {
      fail(RecvStatus::closed, "the server closed the connection");
      return -2;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    fail(RecvStatus::error, std::string("cannot read from the server: ") + std::strerror(errno));
    return -1;
  }
}

RecvStatus Session::next_buffered(Frame& frame) {
  for (;;) {
    const p::Decoded d = p::decode(rx_.data() + rx_begin_, rx_end_ - rx_begin_);
    if (d.status == p::DecodeStatus::need_more) return RecvStatus::would_block;
    if (d.status == p::DecodeStatus::error) {
      logout_best_effort(d.reason, d.what);
      return fail(RecvStatus::error,
                  std::string("protocol error from the server: ") + d.what + " (" + std::to_string(d.value) + ")");
    }
    rx_begin_ += d.frame_size;
    if (!from_server(d.template_id)) {
      logout_best_effort(p::LogoutReason::unknown_template, "a client message from the server");
      return fail(RecvStatus::error, "protocol error from the server: it sent " +
                                         std::string(p::template_name(d.template_id)) + ", a client message");
    }
    uint64_t seq = 0;
    std::memcpy(&seq, d.block, sizeof seq);  // every message starts with seq
    if (seq != in_seq_ + 1) {
      logout_best_effort(p::LogoutReason::sequence_gap, "");
      return fail(RecvStatus::error, "sequence gap from the server: expected " + std::to_string(in_seq_ + 1) + " got " +
                                         std::to_string(seq));
    }
    in_seq_ = seq;
    if (d.template_id == static_cast<uint16_t>(p::TemplateId::heartbeat)) continue;
    frame.template_id = static_cast<p::TemplateId>(d.template_id);
    frame.block = d.block;
    if (frame.is<p::Logout>()) {  // the block stays readable in rx_ after the close
      logged_out_ = true;
      close();
    }
    return RecvStatus::frame;
  }
}

bool Session::service(Clock::time_point now) {
  if (fd_ < 0) return false;
  if (heartbeat_ms_ == 0) return true;
  const auto interval = std::chrono::milliseconds(heartbeat_ms_);
  if (now - last_received_ >= 3 * interval) {
    fail(RecvStatus::error,
         "no message from the server for " + std::to_string(3 * heartbeat_ms_) + " ms (3 heartbeat intervals)");
    return false;
  }
  if (now - last_sent_ >= interval) return send(p::Heartbeat{});
  return true;
}

RecvStatus Session::try_receive(Frame& frame) {
  RecvStatus s = next_buffered(frame);
  if (s != RecvStatus::would_block) return s;
  if (fd_ < 0) {
    if (error_.empty()) error_ = "the session is closed";
    return RecvStatus::closed;
  }
  switch (read_some()) {
    case -2: return RecvStatus::closed;
    case -1: return RecvStatus::error;
    case 0: return RecvStatus::would_block;
    default: return next_buffered(frame);
  }
}

RecvStatus Session::receive(Frame& frame, int timeout_ms) {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  for (;;) {
    RecvStatus s = try_receive(frame);
    if (s != RecvStatus::would_block) return s;
    const auto now = Clock::now();
    if (!service(now)) return RecvStatus::error;
    if (timeout_ms >= 0 && now >= deadline) return RecvStatus::timeout;
    int wait = timeout_ms < 0 ? -1 : millis_until(deadline, now);
    if (heartbeat_ms_ > 0) {
      const auto interval = std::chrono::milliseconds(heartbeat_ms_);
      const int hb =
          std::min(millis_until(last_sent_ + interval, now), millis_until(last_received_ + 3 * interval, now));
      wait = wait < 0 ? hb : std::min(wait, hb);
    }
    pollfd pfd{fd_, static_cast<short>(POLLIN | (wants_write() ? POLLOUT : 0)), 0};
    if (::poll(&pfd, 1, wait) < 0 && errno != EINTR) {
      return fail(RecvStatus::error, std::string("poll failed: ") + std::strerror(errno));
    }
    if ((pfd.revents & POLLOUT) && !write_some()) return RecvStatus::error;
  }
}

}  // namespace rialto::client
