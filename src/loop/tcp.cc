#include "rialto/loop/tcp.h"

#include <cstdio>
#include <cstring>
#include <system_error>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rialto::loop {
namespace {

sockaddr_in to_sockaddr(Endpoint e) noexcept {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(e.port);
  a.sin_addr.s_addr = htonl(e.address);
  return a;
}

Endpoint from_sockaddr(const sockaddr_in& a) noexcept {
  return Endpoint{ntohl(a.sin_addr.s_addr), ntohs(a.sin_port)};
}

// A socket's IoState is registered with its loop by address, so moving one
// re-points the registration. Shared by TcpStream and TcpListener.
void take_over(EventLoop* loop, detail::IoState& to, detail::IoState& from) noexcept {
  to = from;
  from = detail::IoState{};
  if (to.fd >= 0) loop->rebind_fd(to);
}

void close_io(EventLoop* loop, detail::IoState& io) noexcept {
  if (io.fd < 0) return;
  loop->deregister_fd(io);
  ::close(io.fd);
  io = detail::IoState{};
}

}  // namespace

std::string error_text(int error) {
  if (error == 0) return "ok";
  char buf[128];
  // GNU strerror_r returns the message, possibly not in buf.
  return ::strerror_r(error, buf, sizeof buf);
}

std::string Endpoint::to_string() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", address >> 24, (address >> 16) & 0xFFu,
                (address >> 8) & 0xFFu, address & 0xFFu, static_cast<unsigned>(port));
  return buf;
}

// ---------------------------------------------------------------------------
// Operations

bool ReadAwaiter::attempt() noexcept {
  if (!io_->readable) return false;  // the last read was short: wait for an edge
  for (;;) {
    const ssize_t n = ::recv(io_->fd, buf_.data(), buf_.size(), 0);
    if (n > 0) {
      // Short read: the socket was drained; edge-triggered epoll reports the
      // next arrival, so the EAGAIN-returning call can be skipped.
      if (static_cast<std::size_t>(n) < buf_.size() && !io_->read_closed) io_->readable = false;
      result_ = Result<std::size_t>(static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {  // EOF: sticky, every later read sees it at once
      result_ = Result<std::size_t>(0);
      return true;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      io_->readable = false;
      return false;
    }
    result_ = Result<std::size_t>::failure(errno);
    return true;
  }
}

bool WriteAwaiter::attempt() noexcept {
  if (!io_->writable) return false;
  while (written_ < buf_.size()) {
    const std::size_t want = buf_.size() - written_;
    const ssize_t n = ::send(io_->fd, buf_.data() + written_, want, MSG_NOSIGNAL);
    if (n > 0) {
      written_ += static_cast<std::size_t>(n);
      if (static_cast<std::size_t>(n) < want) io_->writable = false;  // send buffer full
      if (!all_ || !io_->writable) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      io_->writable = false;
      break;
    }
    result_ = Result<std::size_t>::failure(n < 0 ? errno : EPIPE);
    return true;
  }
  if (written_ == buf_.size() || (!all_ && written_ > 0)) {
    result_ = Result<std::size_t>(written_);
    return true;
  }
  return false;
}

bool TcpStream::ConnectAwaiter::attempt() noexcept {
  if (!started_) {
    started_ = true;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error_ = errno;
      return true;
    }
    try {
      stream_ = TcpStream(owner_, fd);
    } catch (const std::system_error& e) {
      ::close(fd);
      error_ = e.code().value();
      return true;
    }
    io_ = &stream_.io_state();
    const sockaddr_in a = to_sockaddr(to_);
    int r = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
    if (r == 0) return true;
    if (errno != EINPROGRESS && errno != EINTR) {
      error_ = errno;
      return true;
    }
    io_->writable = false;
    return false;
  }
  if (!io_->writable) return false;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(stream_.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == EINPROGRESS || err == EALREADY) {
    io_->writable = false;
    return false;
  }
  error_ = err;
  return true;
}

Result<TcpStream> TcpStream::ConnectAwaiter::await_resume() noexcept {
  if (error_ != 0) {
    io_ = nullptr;
    stream_.close();
    return Result<TcpStream>::failure(error_);
  }
  io_ = nullptr;  // the stream's IoState moves out with it
  return Result<TcpStream>(std::move(stream_));
}

bool TcpListener::AcceptAwaiter::attempt() noexcept {
  if (!io_->readable) return false;
  for (;;) {
    const int fd = ::accept4(io_->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      fd_ = fd;
      return true;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      io_->readable = false;
      return false;
    }
    error_ = errno;  // EMFILE, ENFILE, ENOBUFS...: the caller decides
    return true;
  }
}

Result<TcpStream> TcpListener::AcceptAwaiter::await_resume() noexcept {
  if (error_ != 0) return Result<TcpStream>::failure(error_);
  try {
    return Result<TcpStream>(TcpStream(owner_, fd_));
  } catch (const std::system_error& e) {
    ::close(fd_);
    return Result<TcpStream>::failure(e.code().value());
  }
}

// ---------------------------------------------------------------------------
// TcpStream

TcpStream::TcpStream(EventLoop& loop, int fd) : loop_(&loop) {
  io_.fd = fd;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  loop_->register_fd(io_);
}

TcpStream::TcpStream(TcpStream&& o) noexcept : loop_(o.loop_) {
  assert(o.io_.reader == nullptr && o.io_.writer == nullptr && "moving a socket with a pending operation");
  take_over(loop_, io_, o.io_);
}

TcpStream& TcpStream::operator=(TcpStream&& o) noexcept {
  if (this != &o) {
    assert(o.io_.reader == nullptr && o.io_.writer == nullptr && "moving a socket with a pending operation");
    close();
    loop_ = o.loop_;
    take_over(loop_, io_, o.io_);
  }
  return *this;
}

void TcpStream::close() noexcept { close_io(loop_, io_); }

void TcpStream::shutdown_write() noexcept {
  if (io_.fd >= 0) ::shutdown(io_.fd, SHUT_WR);
}

void TcpStream::set_reset_on_close() noexcept {
  if (io_.fd < 0) return;
  linger l{};
  l.l_onoff = 1;
  l.l_linger = 0;
  ::setsockopt(io_.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

int TcpStream::set_nodelay(bool on) noexcept {
  int v = on ? 1 : 0;
  return ::setsockopt(io_.fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) == 0 ? 0 : errno;
}

Endpoint TcpStream::peer() const noexcept {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (io_.fd < 0 || ::getpeername(io_.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return {};
  return from_sockaddr(a);
}

// ---------------------------------------------------------------------------
// TcpListener

Result<TcpListener> TcpListener::bind(EventLoop& loop, Endpoint at, int backlog) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Result<TcpListener>::failure(errno);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in a = to_sockaddr(at);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, backlog) != 0) {
    const int e = errno;
    ::close(fd);
    return Result<TcpListener>::failure(e);
  }
  TcpListener l;
  l.loop_ = &loop;
  l.io_.fd = fd;
  try {
    loop.register_fd(l.io_);
  } catch (const std::system_error& e) {
    l.io_.fd = -1;
    ::close(fd);
    return Result<TcpListener>::failure(e.code().value());
  }
  return Result<TcpListener>(std::move(l));
}

TcpListener::TcpListener(TcpListener&& o) noexcept : loop_(o.loop_) {
  assert(o.io_.reader == nullptr && "moving a listener with a pending accept");
  take_over(loop_, io_, o.io_);
}

TcpListener& TcpListener::operator=(TcpListener&& o) noexcept {
  if (this != &o) {
    assert(o.io_.reader == nullptr && "moving a listener with a pending accept");
    close();
    loop_ = o.loop_;
    take_over(loop_, io_, o.io_);
  }
  return *this;
}

void TcpListener::close() noexcept { close_io(loop_, io_); }

Endpoint TcpListener::local_endpoint() const noexcept {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (io_.fd < 0 || ::getsockname(io_.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return {};
  return from_sockaddr(a);
}

}  // namespace rialto::loop
