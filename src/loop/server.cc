#include "rialto/loop/server.h"

#include <cstring>
#include <string>

#include <sys/socket.h>

#include "rialto/loop/log.h"

namespace rialto::loop {

// ---------------------------------------------------------------------------
// Connection

Connection::Connection(EventLoop& loop, TcpStream stream, const ServerConfig& config)
    : loop_(loop),
      stream_(std::move(stream)),
      config_(config),
      peer_(stream_.peer()),
      rx_(config.read_buffer_bytes),
      flush_waiter_(&Connection::on_writable, this) {}

Connection::~Connection() {
  detail::IoState& io = stream_.io_state();
  if (io.writer == &flush_waiter_) io.writer = nullptr;
  flush_waiter_.unlink();
  // A DrainAwaiter cannot outlive the connection it waits on; nothing to wake.
}

Connection::ReadAwaiter::ReadAwaiter(Connection& c, Deadline d) noexcept
    : c_(c),
      full_(c.rx_end_ == c.rx_.size() && c.rx_begin_ == 0),
      inner_(c.loop_, c.stream_.io_state(),
             std::span<std::byte>(c.rx_.data() + c.rx_end_, c.rx_.size() - c.rx_end_), d) {}

Connection::ReadAwaiter Connection::read() noexcept {
  if (closed_) {  // behave like EOF without touching the socket
    return ReadAwaiter(*this, kNoDeadline);
  }
  // Make room: move unconsumed bytes to the front (they are at most one
  // partial frame, so this copy is small).
  if (rx_begin_ > 0) {
    const std::size_t n = rx_end_ - rx_begin_;
    if (n > 0) std::memmove(rx_.data(), rx_.data() + rx_begin_, n);
    rx_begin_ = 0;
    rx_end_ = n;
  }
  const Deadline d = config_.idle_timeout.count() > 0 ? Clock::now() + config_.idle_timeout : kNoDeadline;
  return ReadAwaiter(*this, d);
}

Result<std::size_t> Connection::ReadAwaiter::await_resume() noexcept {
  if (c_.closed_) return Result<std::size_t>(0);
  if (full_) {
    char reason[96];
    std::snprintf(reason, sizeof reason, "frame exceeds the %zu-byte receive buffer", c_.rx_.size());
    c_.close(reason);
    return Result<std::size_t>::failure(EMSGSIZE);
  }
  Result<std::size_t> r = inner_.await_resume();
  if (!r.ok()) {
    if (r.error() == ETIMEDOUT) {
      char reason[96];
      std::snprintf(reason, sizeof reason, "idle for %lld ms",
                    static_cast<long long>(c_.config_.idle_timeout.count()));
      c_.close(reason);
    } else {
      c_.close("read failed: " + error_text(r.error()));
    }
    return r;
  }
  c_.rx_end_ += r.value();
  return r;
}

void Connection::consume(std::size_t n) noexcept {
  assert(n <= rx_end_ - rx_begin_);
  rx_begin_ += n;
  if (rx_begin_ == rx_end_) rx_begin_ = rx_end_ = 0;
}

bool Connection::send(std::span<const std::byte> bytes) noexcept {
  if (closed_) return false;
  detail::IoState& io = stream_.io_state();
  std::size_t done = 0;
  if (buffered() == 0 && io.writable) {
    while (done < bytes.size()) {
      const ssize_t n = ::send(stream_.fd(), bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        io.writable = false;
        break;
      }
      close("write failed: " + error_text(n < 0 ? errno : EPIPE));
      return false;
    }
    if (done == bytes.size()) return true;
  }
  const std::size_t rest = bytes.size() - done;
  if (buffered() + rest > config_.write_buffer_limit) {
    char reason[128];
    std::snprintf(reason, sizeof reason,
                  "slow reader: %zu bytes queued would exceed the %zu-byte write buffer limit",
                  buffered() + rest, config_.write_buffer_limit);
    close(reason);
    return false;
  }
  // Reclaim the consumed front before growing (capacity is kept for reuse).
  if (tx_begin_ > 0 && tx_begin_ >= tx_.size() / 2) {
    tx_.erase(tx_.begin(), tx_.begin() + static_cast<std::ptrdiff_t>(tx_begin_));
    tx_begin_ = 0;
  }
  tx_.insert(tx_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(done), bytes.end());
  if (io.writer == nullptr && !flush_waiter_.linked()) {
    if (io.writable) {
      loop_.schedule(flush_waiter_);  // space appeared meanwhile
    } else {
      io.writer = &flush_waiter_;
    }
  }
  return true;
}

void Connection::on_writable(detail::Waiter& w) noexcept {
  static_cast<Connection*>(w.ctx)->flush();
}

void Connection::flush() noexcept {
  if (closed_) return;
  detail::IoState& io = stream_.io_state();
  while (buffered() > 0) {
    const ssize_t n = ::send(stream_.fd(), tx_.data() + tx_begin_, buffered(), MSG_NOSIGNAL);
    if (n > 0) {
      tx_begin_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      io.writable = false;
      io.writer = &flush_waiter_;
      return;
    }
    close("write failed: " + error_text(n < 0 ? errno : EPIPE));
    return;
  }
  tx_.clear();  // keeps capacity
  tx_begin_ = 0;
  wake_drain_waiter();
}

void Connection::wake_drain_waiter() noexcept {
  if (drain_waiter_ != nullptr) loop_.schedule(*std::exchange(drain_waiter_, nullptr));
}

void Connection::close(std::string_view reason) noexcept {
  if (closed_) return;
  closed_ = true;
  log(LogLevel::warning, "%s: closing: %.*s", peer_.to_string().c_str(), static_cast<int>(reason.size()),
      reason.data());
  detail::IoState& io = stream_.io_state();
  if (io.writer == &flush_waiter_) io.writer = nullptr;
  flush_waiter_.unlink();
  tx_.clear();
  tx_begin_ = 0;
  wake_drain_waiter();
  // Wakes a pending read (EOF), and the peer sees the connection end. The fd
  // is closed when the Connection is destroyed.
  stream_.set_reset_on_close();
  ::shutdown(stream_.fd(), SHUT_RDWR);
}

// ---------------------------------------------------------------------------
// Server

Server::Server(EventLoop& loop, TcpListener listener, ServerConfig config, Handler handler)
    : loop_(loop),
      listener_(std::move(listener)),
      state_(std::make_shared<State>(State{config, std::move(handler), 0})) {}

Task<void> Server::serve() {
  const std::string where = listener_.local_endpoint().to_string();
  for (;;) {
    Result<TcpStream> r = co_await listener_.accept();
    if (!r.ok()) {
      log(LogLevel::warning, "%s: accept failed: %s", where.c_str(), r.message().c_str());
      if (r.error() == EMFILE || r.error() == ENFILE || r.error() == ENOBUFS || r.error() == ENOMEM) {
        co_await loop_.sleep_for(std::chrono::milliseconds(10));  // let connections close
      }
      continue;
    }
    TcpStream& s = r.value();
    if (state_->active >= state_->config.max_connections) {
      log(LogLevel::warning, "%s: closing: connection limit of %zu reached on %s", s.peer().to_string().c_str(),
          state_->config.max_connections, where.c_str());
      s.set_reset_on_close();
      continue;  // the stream closes here
    }
    ++state_->active;
    auto c = std::make_unique<Connection>(loop_, std::move(s), state_->config);
    loop_.spawn(run_connection(state_, std::move(c))).detach();
  }
}

Task<void> Server::run_connection(std::shared_ptr<State> state, std::unique_ptr<Connection> c) {
  struct Count {
    State& s;
    ~Count() { --s.active; }  // also when the task is cancelled or throws
  } count{*state};
  co_await state->handler(*c);
}

}  // namespace rialto::loop
