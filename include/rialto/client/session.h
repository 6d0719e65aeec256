// A client session of the order-entry protocol (docs/PROTOCOL.md) over TCP:
// connect, Logon, send any client message with its seq filled in, receive
// frames decoded by protocol/framing.h. Heartbeats are handled here: one is
// sent whenever the client sent nothing for heartbeat_ms, server heartbeats
// are consumed (never returned), and a server silent for 3 x heartbeat_ms is
// an error.
//
// Two ways to drive it:
//   - blocking: receive(frame, timeout_ms) polls until a frame, the timeout,
//     or a failure; send() waits until the frame is written.
//   - many sessions on one thread: set_blocking(false), poll() every fd()
//     for POLLIN (and POLLOUT while wants_write()), then try_receive() until
//     it says would_block, flush(), and service() for the heartbeat timers.
//
// No allocation per message: frames are encoded into and decoded from fixed
// buffers inside the session; a returned Frame points into the receive
// buffer and is valid until the next call that reads. Failures set error()
// (a std::string, written only when something fails).
//
// Thread safety: none; one thread uses a session at a time.
// Invariants: out_seq() is the seq of the last message sent (0 before
// Logon); in_seq() that of the last message received; a session that
// failed or received a Logout is closed (fd() == -1) and stays closed.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "rialto/protocol/framing.h"
#include "rialto/protocol/messages.h"

namespace rialto::client {

/// A received frame: its template and block (sizeof the template's struct).
struct Frame {
  protocol::TemplateId template_id{};
  const char* block = nullptr;

  template <class M>
  [[nodiscard]] bool is() const {
    return template_id == M::kTemplate;
  }
  /// The message. Precondition: is<M>().
  template <class M>
  [[nodiscard]] M as() const {
    M m;
    std::memcpy(&m, block, sizeof m);
    return m;
  }
};

enum class RecvStatus : uint8_t {
  frame,        // `frame` holds the next application or Logout message
  timeout,      // nothing within the timeout (blocking receive)
  would_block,  // nothing complete is buffered and the socket has nothing (try_receive)
  closed,       // the server closed the connection (error() says so), or the session was closed
  error,        // protocol or socket error; error() names it; the session is closed
};

struct LogonResult {
  enum class Status : uint8_t { ok, logged_out, error } status = Status::error;
  protocol::LogonAck ack{};         // ok
  protocol::LogoutReason reason{};  // logged_out: the server's reason
  std::string text;                 // logged_out: the server's text; error: what went wrong
};

/// "user_request", "bad_credentials", ...
[[nodiscard]] std::string_view to_string(protocol::LogoutReason r);

class Session {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr size_t kReceiveBuffer = 64 * 1024;
  static constexpr size_t kSendBuffer = 64 * 1024;
  /// How long a blocking send waits for the socket to take more bytes.
  static constexpr int kSendTimeoutMs = 10'000;

  Session() = default;
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Opens a TCP connection (blocking). False with error() like
  /// "cannot connect to 127.0.0.1:7001: Connection refused".
  [[nodiscard]] bool connect(std::string_view host, uint16_t port);
  /// Takes a connected stream socket (tests use a socketpair); the session owns it.
  void adopt(int fd);

  /// Sends Logon (seq 1) and waits up to timeout_ms for LogonAck or Logout.
  /// heartbeat_ms is the interval asked for; the one in the LogonAck is used.
  [[nodiscard]] LogonResult logon(std::string_view account, std::string_view password, uint32_t heartbeat_ms,
                                  bool cancel_on_disconnect, int timeout_ms = 5000);

  /// Sends a client message, its seq set to the next one. False (error() set,
  /// session closed) if the connection failed; in non-blocking mode also if
  /// the send buffer cannot take the frame (the caller did not flush()).
  template <class M>
  [[nodiscard]] bool send(M m) {
    m.seq = out_seq_ + 1;
    char frame[protocol::kFrameSize<M>];
    const size_t n = protocol::encode(m, frame);
    if (!queue(frame, n)) return false;
    out_seq_ = m.seq;
    return true;
  }

  /// Sends Logout (reason user_request) and closes after the server's answer
  /// or timeout_ms. Best effort: the session is closed afterwards either way.
  void logout(int timeout_ms = 1000);
  void close();

  /// Blocks until a frame, up to timeout_ms (< 0: no limit), sending
  /// heartbeats while it waits.
  [[nodiscard]] RecvStatus receive(Frame& frame, int timeout_ms);
  /// Returns a frame already buffered or readable now; never blocks.
  [[nodiscard]] RecvStatus try_receive(Frame& frame);

  /// Heartbeat timers: sends a Heartbeat if nothing was sent for
  /// heartbeat_ms; false (error() set) if the server was silent for
  /// 3 x heartbeat_ms or the send failed. receive() calls it itself.
  [[nodiscard]] bool service(Clock::time_point now);
  /// Writes buffered output; false on a socket error.
  [[nodiscard]] bool flush();
  [[nodiscard]] bool wants_write() const { return tx_end_ > tx_begin_; }

  /// Non-blocking mode: send() and flush() never wait (see the header comment).
  void set_blocking(bool blocking) { blocking_ = blocking; }

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] uint64_t out_seq() const { return out_seq_; }
  [[nodiscard]] uint64_t in_seq() const { return in_seq_; }
  [[nodiscard]] uint32_t session_id() const { return session_id_; }
  [[nodiscard]] uint32_t heartbeat_ms() const { return heartbeat_ms_; }
  [[nodiscard]] bool admin() const { return admin_; }
  /// The Logout received, when the last status was a Logout frame or closed after one.
  [[nodiscard]] bool logged_out() const { return logged_out_; }

 private:
  [[nodiscard]] bool queue(const char* data, size_t n);
  [[nodiscard]] bool write_some();
  /// Reads what is there: 1 bytes read, 0 nothing now (EAGAIN), -1 error, -2 closed by the peer.
  [[nodiscard]] int read_some();
  /// The next complete frame in the receive buffer, if any: frame, would_block or error.
  [[nodiscard]] RecvStatus next_buffered(Frame& frame);
  RecvStatus fail(RecvStatus s, std::string what);
  /// A Logout written only if the socket takes it now (before closing on a protocol error).
  void logout_best_effort(protocol::LogoutReason reason, std::string_view text);

  int fd_ = -1;
  bool blocking_ = true;
  bool logged_out_ = false;
  bool admin_ = false;
  uint32_t session_id_ = 0;
  uint32_t heartbeat_ms_ = 0;  // 0 until logged on: no heartbeats
  uint64_t out_seq_ = 0;
  uint64_t in_seq_ = 0;
  Clock::time_point last_sent_{};
  Clock::time_point last_received_{};
  size_t rx_begin_ = 0, rx_end_ = 0;
  size_t tx_begin_ = 0, tx_end_ = 0;
  std::string error_;
  std::array<char, kReceiveBuffer> rx_{};
  std::array<char, kSendBuffer> tx_{};
};

}  // namespace rialto::client
