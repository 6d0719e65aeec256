// Non-blocking TCP on the EventLoop: awaitable accept, connect, read, write.
//
// Every operation tries its system call at once and suspends only if the
// kernel says EAGAIN, or — for reads and writes — if the last transfer on that
// socket was short (edge-triggered epoll guarantees a new edge once more data
// or buffer space arrives, so the extra EAGAIN call is skipped). An operation
// is an awaiter object in the caller's frame: no allocation per operation.
//
// At most one read-side (read/accept) and one write-side (write/connect)
// operation may be pending per socket. A socket must outlive its pending
// operations. Destroying a suspended operation (cancelling its task) withdraws
// it. Every operation takes an optional Deadline and then completes with
// ETIMEDOUT. IPv4 only.
//
// Errors are Result values carrying an errno; nothing here throws.
#pragma once

#include <cassert>
#include <cerrno>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include "rialto/loop/event_loop.h"

namespace rialto::loop {

// A value or an errno. Costs one int when OK.
template <class T>
class [[nodiscard]] Result {
 public:
  Result() = default;
  explicit Result(T v) : value_(std::move(v)) {}
  static Result failure(int error) {
    Result r;
    r.error_ = error;
    return r;
  }
  [[nodiscard]] bool ok() const noexcept { return error_ == 0; }
  [[nodiscard]] int error() const noexcept { return error_; }
  [[nodiscard]] T& value() & noexcept { return value_; }
  [[nodiscard]] const T& value() const& noexcept { return value_; }
  [[nodiscard]] T&& value() && noexcept { return std::move(value_); }
  // strerror text of error(); "ok" when ok().
  [[nodiscard]] std::string message() const;

 private:
  T value_{};
  int error_ = 0;
};

std::string error_text(int error);
template <class T>
std::string Result<T>::message() const {
  return error_text(error_);
}

struct Endpoint {
  std::uint32_t address = 0;  // IPv4, host byte order
  std::uint16_t port = 0;

  static Endpoint loopback(std::uint16_t port) noexcept { return Endpoint{0x7F000001u, port}; }
  std::string to_string() const;  // "127.0.0.1:5000"
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

class TcpStream;

namespace detail {

// The shape every socket operation shares: attempt now; otherwise wait for the
// readiness edge (and the deadline), attempt again, and resume the caller only
// when the operation has completed. Op supplies `bool attempt()` (true when
// complete, result stored) and `void fail(int error)`.
template <class Op>
class SocketOp {
 public:
  SocketOp(EventLoop& loop, IoState* io, bool write_side, Deadline deadline) noexcept
      : io_(io),
        loop_(&loop),
        io_waiter_(&SocketOp::on_ready, this),
        timer_(&SocketOp::on_timeout, this),
        deadline_(deadline),
        write_side_(write_side) {}
  SocketOp(const SocketOp&) = delete;
  SocketOp& operator=(const SocketOp&) = delete;
  ~SocketOp() { withdraw(); }  // cancellation: the frame is going away

  bool await_ready() noexcept { return self().attempt(); }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    caller_ = h;
    wait_for_io();
    if (deadline_ != kNoDeadline) loop_->arm_timer(timer_, deadline_);
  }

 protected:
  // Leaves the reactor, the ready queue and the timer wheel. A derived op that
  // owns the socket (connect) calls it before the socket is destroyed.
  void withdraw() noexcept {
    if (io_ != nullptr && slot() == &io_waiter_) slot() = nullptr;
    io_waiter_.unlink();  // if readiness already queued it
    timer_.unlink();
  }
  IoState* io_;

 private:
  Op& self() noexcept { return *static_cast<Op*>(this); }
  Waiter*& slot() noexcept { return write_side_ ? io_->writer : io_->reader; }
  void wait_for_io() noexcept {
    assert(slot() == nullptr && "one pending operation per direction per socket");
    slot() = &io_waiter_;
  }
  static void on_ready(Waiter& w) noexcept {
    auto& op = *static_cast<SocketOp*>(w.ctx);
    if (!op.self().attempt()) {
      op.wait_for_io();  // spurious edge: keep waiting
      return;
    }
    op.timer_.unlink();
    op.caller_.resume();  // may destroy `op`
  }
  static void on_timeout(Waiter& w) noexcept {
    auto& op = *static_cast<SocketOp*>(w.ctx);
    op.withdraw();
    op.self().fail(ETIMEDOUT);
    op.caller_.resume();
  }

  EventLoop* loop_;
  Waiter io_waiter_;
  TimerNode timer_;
  std::coroutine_handle<> caller_;
  Deadline deadline_;
  bool write_side_;
};

}  // namespace detail

class ReadAwaiter : public detail::SocketOp<ReadAwaiter> {
 public:
  ReadAwaiter(EventLoop& loop, detail::IoState& io, std::span<std::byte> buf, Deadline d) noexcept
      : SocketOp(loop, &io, false, d), buf_(buf) {}
  // Bytes read; 0 means the peer closed its side (EOF).
  Result<std::size_t> await_resume() noexcept { return result_; }

 private:
  friend class detail::SocketOp<ReadAwaiter>;
  bool attempt() noexcept;
  void fail(int e) noexcept { result_ = Result<std::size_t>::failure(e); }
  std::span<std::byte> buf_;
  Result<std::size_t> result_;
};

class WriteAwaiter : public detail::SocketOp<WriteAwaiter> {
 public:
  WriteAwaiter(EventLoop& loop, detail::IoState& io, std::span<const std::byte> buf, bool all,
               Deadline d) noexcept
      : SocketOp(loop, &io, true, d), buf_(buf), all_(all) {}
  // Bytes written: all of them for write_all, at least one for write_some.
  // On error or timeout, error() is set; bytes already written are lost to
  // the caller (the connection is not usable anyway).
  Result<std::size_t> await_resume() noexcept { return result_; }

 private:
  friend class detail::SocketOp<WriteAwaiter>;
  bool attempt() noexcept;
  void fail(int e) noexcept { result_ = Result<std::size_t>::failure(e); }
  std::span<const std::byte> buf_;
  std::size_t written_ = 0;
  bool all_;
  Result<std::size_t> result_;
};

class TcpStream {
 public:
  TcpStream() noexcept = default;
  // Adopts a connected, non-blocking socket.
  TcpStream(EventLoop& loop, int fd);
  TcpStream(TcpStream&& o) noexcept;
  TcpStream& operator=(TcpStream&& o) noexcept;
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;
  ~TcpStream() { close(); }

  [[nodiscard]] ReadAwaiter read_some(std::span<std::byte> buf, Deadline d = kNoDeadline) noexcept {
    return ReadAwaiter(*loop_, io_, buf, d);
  }
  [[nodiscard]] WriteAwaiter write_some(std::span<const std::byte> buf,
                                        Deadline d = kNoDeadline) noexcept {
    return WriteAwaiter(*loop_, io_, buf, false, d);
  }
  [[nodiscard]] WriteAwaiter write_all(std::span<const std::byte> buf,
                                       Deadline d = kNoDeadline) noexcept {
    return WriteAwaiter(*loop_, io_, buf, true, d);
  }

  class ConnectAwaiter;
  [[nodiscard]] static ConnectAwaiter connect(EventLoop& loop, Endpoint to,
                                              Deadline d = kNoDeadline) noexcept;

  // Half-close: the peer reads EOF; we can still read.
  void shutdown_write() noexcept;
  // Sends RST instead of FIN when closed (SO_LINGER 0). For tests and for
  // dropping abusive peers without TIME_WAIT.
  void set_reset_on_close() noexcept;
  int set_nodelay(bool on) noexcept;  // errno, 0 on success
  void close() noexcept;

  [[nodiscard]] bool is_open() const noexcept { return io_.fd >= 0; }
  [[nodiscard]] int fd() const noexcept { return io_.fd; }
  [[nodiscard]] EventLoop* loop() const noexcept { return loop_; }
  [[nodiscard]] Endpoint peer() const noexcept;
  [[nodiscard]] detail::IoState& io_state() noexcept { return io_; }

 private:
  EventLoop* loop_ = nullptr;
  detail::IoState io_;
};

class TcpStream::ConnectAwaiter : public detail::SocketOp<ConnectAwaiter> {
 public:
  ConnectAwaiter(EventLoop& loop, Endpoint to, Deadline d) noexcept
      : SocketOp(loop, nullptr, true, d), owner_(loop), to_(to) {}
  ConnectAwaiter(const ConnectAwaiter&) = delete;
  ConnectAwaiter& operator=(const ConnectAwaiter&) = delete;
  ~ConnectAwaiter() { withdraw(); }  // before stream_ closes
  Result<TcpStream> await_resume() noexcept;

 private:
  friend class detail::SocketOp<ConnectAwaiter>;
  bool attempt() noexcept;
  void fail(int e) noexcept { error_ = e; }
  EventLoop& owner_;
  Endpoint to_;
  TcpStream stream_;
  bool started_ = false;
  int error_ = 0;
};

inline TcpStream::ConnectAwaiter TcpStream::connect(EventLoop& loop, Endpoint to,
                                                    Deadline d) noexcept {
  return ConnectAwaiter(loop, to, d);
}

class TcpListener {
 public:
  TcpListener() noexcept = default;
  TcpListener(TcpListener&& o) noexcept;
  TcpListener& operator=(TcpListener&& o) noexcept;
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  ~TcpListener() { close(); }

  // Port 0 picks an ephemeral port; local_endpoint() tells which.
  static Result<TcpListener> bind(EventLoop& loop, Endpoint at, int backlog = 1024);

  class AcceptAwaiter : public detail::SocketOp<AcceptAwaiter> {
   public:
    AcceptAwaiter(EventLoop& loop, detail::IoState& io, Deadline d) noexcept
        : SocketOp(loop, &io, false, d), owner_(loop) {}
    Result<TcpStream> await_resume() noexcept;

   private:
    friend class detail::SocketOp<AcceptAwaiter>;
    bool attempt() noexcept;
    void fail(int e) noexcept { error_ = e; }
    EventLoop& owner_;
    int fd_ = -1;
    int error_ = 0;
  };
  [[nodiscard]] AcceptAwaiter accept(Deadline d = kNoDeadline) noexcept {
    return AcceptAwaiter(*loop_, io_, d);
  }

  [[nodiscard]] Endpoint local_endpoint() const noexcept;
  [[nodiscard]] bool is_open() const noexcept { return io_.fd >= 0; }
  void close() noexcept;

 private:
  EventLoop* loop_ = nullptr;
  detail::IoState io_;
};

}  // namespace rialto::loop
