// Server and Connection: the accept loop and per-connection buffers with the
// limits a gateway needs. A peer that breaks a limit is disconnected and the
// reason is logged (log.h):
//   - more than max_connections at once   -> refused at accept;
//   - a frame larger than the receive buffer (read_buffer_bytes unconsumed);
//   - more than write_buffer_limit bytes queued for it (a slow reader);
//   - silent for idle_timeout (if set).
//
// Each connection runs the handler as its own spawned task. Buffers are
// allocated when the connection is accepted and reused: steady-state reads and
// writes do not allocate.
//
// Thread safety: loop thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "rialto/loop/event_loop.h"
#include "rialto/loop/tcp.h"

namespace rialto::loop {

struct ServerConfig {
  std::size_t max_connections = 1024;
  std::size_t read_buffer_bytes = 64 * 1024;    // also the largest frame a peer may send
  std::size_t write_buffer_limit = 1024 * 1024; // bytes queued for a peer before it is dropped
  std::chrono::milliseconds idle_timeout{0};    // 0: never
};

class Connection {
 public:
  Connection(EventLoop& loop, TcpStream stream, const ServerConfig& config);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  class ReadAwaiter {
   public:
    ReadAwaiter(Connection& c, Deadline d) noexcept;
    bool await_ready() noexcept { return full_ || inner_.await_ready(); }
    void await_suspend(std::coroutine_handle<> h) noexcept { inner_.await_suspend(h); }
    Result<std::size_t> await_resume() noexcept;

   private:
    Connection& c_;
    bool full_;
    rialto::loop::ReadAwaiter inner_;
  };
  // Reads what the socket has into the receive buffer, after the bytes not yet
  // consumed. Result: bytes added; 0 = the peer closed (EOF). Errors: ETIMEDOUT
  // after idle_timeout, EMSGSIZE if the buffer was already full — both close
  // the connection with a logged reason.
  [[nodiscard]] ReadAwaiter read() noexcept;
  [[nodiscard]] std::span<const std::byte> received() const noexcept {
    return {rx_.data() + rx_begin_, rx_end_ - rx_begin_};
  }
  void consume(std::size_t n) noexcept;

  // Queues bytes for the peer: writes what the socket takes now, buffers the
  // rest and flushes it in the background as the socket drains. If more than
  // write_buffer_limit bytes would be buffered the peer is too slow: the
  // connection is closed with a logged reason and send returns false.
  [[nodiscard]] bool send(std::span<const std::byte> bytes) noexcept;

  class DrainAwaiter {
   public:
    explicit DrainAwaiter(Connection& c) noexcept : c_(c) {}
    DrainAwaiter(const DrainAwaiter&) = delete;
    DrainAwaiter& operator=(const DrainAwaiter&) = delete;
    ~DrainAwaiter() {
      if (c_.drain_waiter_ == &waiter_) c_.drain_waiter_ = nullptr;
    }
    bool await_ready() const noexcept { return c_.buffered() == 0 || c_.closed(); }
    void await_suspend(std::coroutine_handle<> h) noexcept {
      waiter_.handle = h;
      c_.drain_waiter_ = &waiter_;
    }
    void await_resume() const noexcept {}

   private:
    Connection& c_;
    detail::Waiter waiter_;
  };
  // Completes when nothing is buffered for the peer (or the connection closed):
  // back-pressure for a producer that must not outrun the peer.
  [[nodiscard]] DrainAwaiter drained() noexcept { return DrainAwaiter(*this); }

  // Logs "<peer>: closing: <reason>", drops buffered output and shuts the
  // socket down; a pending read() completes with EOF. Idempotent.
  void close(std::string_view reason) noexcept;

  [[nodiscard]] bool closed() const noexcept { return closed_; }
  [[nodiscard]] std::size_t buffered() const noexcept { return tx_.size() - tx_begin_; }
  [[nodiscard]] Endpoint peer() const noexcept { return peer_; }
  [[nodiscard]] TcpStream& stream() noexcept { return stream_; }

 private:
  static void on_writable(detail::Waiter& w) noexcept;
  void flush() noexcept;  // writes buffered output until EAGAIN
  void wake_drain_waiter() noexcept;

  EventLoop& loop_;
  TcpStream stream_;
  ServerConfig config_;
  Endpoint peer_;
  std::vector<std::byte> rx_;  // fixed size: read_buffer_bytes
  std::size_t rx_begin_ = 0;
  std::size_t rx_end_ = 0;
  std::vector<std::byte> tx_;  // grows up to write_buffer_limit, then is reused
  std::size_t tx_begin_ = 0;
  detail::Waiter flush_waiter_;
  detail::Waiter* drain_waiter_ = nullptr;
  bool closed_ = false;
};

class Server {
 public:
  using Handler = std::function<Task<void>(Connection&)>;

  Server(EventLoop& loop, TcpListener listener, ServerConfig config, Handler handler);

  // The accept loop: runs until its task is cancelled, which must happen
  // before the Server is destroyed. Connections already accepted keep running
  // (they are separate tasks) until they end or the loop is destroyed.
  Task<void> serve();

  [[nodiscard]] std::size_t active_connections() const noexcept { return state_->active; }
  [[nodiscard]] Endpoint local_endpoint() const noexcept { return listener_.local_endpoint(); }

 private:
  struct State {
    ServerConfig config;
    Handler handler;
    std::size_t active = 0;
  };
  static Task<void> run_connection(std::shared_ptr<State> state, std::unique_ptr<Connection> c);

  EventLoop& loop_;
  TcpListener listener_;
  std::shared_ptr<State> state_;  // shared with connection tasks, which may outlive the Server
};

}  // namespace rialto::loop
