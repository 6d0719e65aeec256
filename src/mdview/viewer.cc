// The viewer's session: connect, log in, read SoupBinTCP packets, apply their
// ITCH messages to a Book, heartbeat every second, and draw (or print).
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <ostream>
#include <string>

#include "rialto/itch/soup.h"
#include "rialto/mdview/mdview.h"

namespace rialto::mdview {

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kPrefix = "rialto md: ";

class Socket {
 public:
  Socket() = default;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

  /// Connects to host:port; false with `error` set on failure.
  bool connect(const std::string& host, std::uint16_t port, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string port_text = std::to_string(port);
    const int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res);
    if (rc != 0) {
      error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
      return false;
    }
    int last_errno = 0;
    for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) {
        last_errno = errno;
        continue;
      }
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = fd;
        break;
      }
      last_errno = errno;
      ::close(fd);
    }
    ::freeaddrinfo(res);
    if (fd_ < 0) {
      error = "cannot connect to " + host + ":" + port_text + ": " + std::strerror(last_errno);
      return false;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
  }

  /// Sends all of `data`; false with `error` set if the connection failed.
  bool send_all(const std::string& data, std::string& error) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        error = std::string("send failed: ") + std::strerror(errno);
        return false;
      }
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

 private:
  int fd_ = -1;
};

/// The terminal's width, or 80.
std::size_t terminal_width() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

class Viewer {
 public:
  Viewer(const MdOptions& o, std::ostream& out, std::ostream& err) : o_(o), out_(out), err_(err) {
    stats_.symbol = o.symbol;
    stats_.depth = o.depth;
  }

  int run(const std::atomic<bool>& stop) {
    std::string error;
    if (!sock_.connect(o_.host, o_.port, error)) return fail(error);
    std::string login;
    itch::soup::append_login_request(login, o_.user, o_.password, "", o_.from_seq.value_or(0));
    if (!sock_.send_all(login, error)) return fail(error);
    last_send_ = Clock::now();
    const auto login_deadline = last_send_ + std::chrono::milliseconds(o_.login_timeout_ms);
    rate_start_ = Clock::now();
    char buf[64 * 1024];
    // Relaxed: `stop` carries no data; a stale false only delays stopping by one poll.
    while (!stop.load(std::memory_order_relaxed)) {
      pollfd pfd{sock_.fd(), POLLIN, 0};
      const int pr = ::poll(&pfd, 1, 100);
      if (pr < 0 && errno != EINTR) return disconnected(std::string("poll failed: ") + std::strerror(errno));
      const auto now = Clock::now();
      if (pr > 0) {
        const ssize_t n = ::recv(sock_.fd(), buf, sizeof buf, 0);
        if (n < 0 && errno != EINTR && errno != EAGAIN) {
          return disconnected(std::string("receive failed: ") + std::strerror(errno));
        }
        if (n == 0) return disconnected("connection closed by the server");
        if (n > 0) {
          last_receive_ = now;
          decoder_.append(buf, static_cast<std::size_t>(n));
          const int rc = drain();
          if (rc >= 0) return rc;
        }
      }
      if (!logged_in_ && now >= login_deadline) {
        return fail("no login response from " + o_.host + ":" + std::to_string(o_.port) + " within " +
                    std::to_string(o_.login_timeout_ms / 1000) + " s" + server_said());
      }
      if (logged_in_ && now - last_receive_ >= std::chrono::milliseconds(o_.server_silence_ms)) {
        return disconnected("nothing from the server for " + std::to_string(o_.server_silence_ms / 1000) + " s");
      }
      if (logged_in_ && now - last_send_ >= std::chrono::seconds(1)) {
        std::string hb;
        itch::soup::append_client_heartbeat(hb);
        if (!sock_.send_all(hb, error)) return disconnected(error);
        last_send_ = now;
      }
      tick(now);
    }
    // Stopped (Ctrl-C): log out politely, show the last frame.
    std::string bye;
    itch::soup::append_logout_request(bye);
    (void)sock_.send_all(bye, error);
    stats_.status = "stopped";
    if (!o_.raw) draw();
    return 0;
  }

 private:
  /// Handles every whole packet buffered; -1 to go on, else the exit status.
  int drain() {
    itch::soup::Packet p;
    for (;;) {
      const auto next = decoder_.next(&p);
      if (next == itch::soup::SoupDecoder::Next::need_more) return -1;
      if (next == itch::soup::SoupDecoder::Next::error) {
        return disconnected("bad packet from the server: " + decoder_.error());
      }
      using itch::soup::PacketType;
      switch (p.type) {
        case PacketType::debug:
          last_debug_ = std::string(p.payload);
          if (o_.raw) out_ << "+ " << last_debug_ << '\n';
          break;
        case PacketType::login_accepted:
          logged_in_ = true;
          next_sequence_ = p.sequence;
          stats_.status = "connected";
          changed_ = true;
          break;
        case PacketType::login_rejected:
          return fail("login rejected: " + itch::soup::to_string(p.reject_reason) + server_said());
        case PacketType::sequenced_data:
        case PacketType::unsequenced_data: {
          const bool sequenced = p.type == PacketType::sequenced_data;
          if (!logged_in_) return disconnected("data before Login Accepted");
          const std::uint64_t seq = sequenced ? next_sequence_++ : 0;
          itch::Message m;
          const itch::DecodeStatus st = itch::decode(p.payload.data(), p.payload.size(), &m);
          if (!st.ok()) {
            return disconnected("bad message " + (sequenced ? "at sequence " + std::to_string(seq) : "(unsequenced)") +
                                ": " + st.message());
          }
          if (sequenced) stats_.last_sequence = seq;
          handle(m, sequenced ? std::to_string(seq) : "U");
          break;
        }
        case PacketType::server_heartbeat: break;
        case PacketType::end_of_session:
          stats_.status = "end of session";
          if (o_.raw) {
            out_ << "end of session\n";
            out_.flush();
          } else {
            draw();
          }
          return 0;
        default: return disconnected("unexpected packet from the server");
      }
    }
  }

  void handle(const itch::Message& m, const std::string& seq_text) {
    ++stats_.messages;
    ++window_messages_;
    changed_ = true;
    const std::uint16_t msg_locate = itch::header_of(m).stock_locate;
    itch::Execution e;
    e.locate = 0;
    const itch::ApplyStatus st = book_.apply(m, &e);
    if (!locate_ && !o_.symbol.empty()) locate_ = book_.find_locate(o_.symbol);
    if (!st.ok()) {
      ++stats_.book_errors;
      stats_.last_book_error = st.message();
    }
    if (o_.raw) {
      if (shown(m, msg_locate)) out_ << seq_text << ' ' << itch::to_text(m) << '\n';
      return;
    }
    if (!locate_ || !st.ok()) return;
    if ((std::holds_alternative<itch::OrderExecuted>(m) || std::holds_alternative<itch::OrderExecutedWithPrice>(m)) &&
        e.locate == *locate_ && e.printable) {
      add_trade(TradePrint{e.price, e.shares, e.timestamp});
    } else if (const auto* t = std::get_if<itch::Trade>(&m); t != nullptr && msg_locate == *locate_) {
      add_trade(TradePrint{t->price, t->shares, t->header.timestamp});
    }
  }

  /// --raw with a symbol: messages of no stock (locate 0), of the symbol's
  /// locate, and its Stock Directory.
  bool shown(const itch::Message& m, std::uint16_t msg_locate) const {
    if (o_.symbol.empty() || msg_locate == 0) return true;
    if (locate_ && msg_locate == *locate_) return true;
    if (const auto* r = std::get_if<itch::StockDirectory>(&m)) return itch::trimmed(r->stock) == o_.symbol;
    return false;
  }

  void add_trade(const TradePrint& t) {
    stats_.trades.push_front(t);
    if (stats_.trades.size() > Stats::kTradesShown) stats_.trades.pop_back();
  }

  void tick(Clock::time_point now) {
    if (now - rate_start_ >= std::chrono::seconds(1)) {
      const double secs = std::chrono::duration<double>(now - rate_start_).count();
      stats_.messages_per_second = static_cast<double>(window_messages_) / secs;
      window_messages_ = 0;
      rate_start_ = now;
      changed_ = true;
    }
    if (o_.raw) {
      out_.flush();
      return;
    }
    const bool due = now - last_draw_ >= std::chrono::milliseconds(100);
    const bool stale = now - last_draw_ >= std::chrono::seconds(1);
    if ((changed_ && due) || stale) draw();
  }

  void draw() {
    const std::size_t width = o_.ansi ? terminal_width() : 100;
    const std::string frame = render_ladder(book_, locate_, stats_, width);
    if (o_.ansi) {
      out_ << "\x1b[H\x1b[2J" << frame;
    } else {
      out_ << "\f\n" << frame;
    }
    out_.flush();
    last_draw_ = Clock::now();
    changed_ = false;
  }

  std::string server_said() const { return last_debug_.empty() ? "" : " (server said: " + last_debug_ + ")"; }

  int fail(const std::string& what) {
    out_.flush();
    err_ << kPrefix << what << '\n';
    return 1;
  }

  int disconnected(const std::string& reason) {
    stats_.status = "disconnected: " + reason;
    if (!o_.raw) draw();
    return fail(reason + server_said());
  }

  const MdOptions& o_;
  std::ostream& out_;
  std::ostream& err_;
  Socket sock_;
  itch::soup::SoupDecoder decoder_{itch::soup::Direction::from_server};
  itch::Book book_;
  std::optional<std::uint16_t> locate_;
  Stats stats_;
  bool logged_in_ = false;
  bool changed_ = true;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t window_messages_ = 0;
  std::string last_debug_;
  Clock::time_point last_send_{};
  Clock::time_point last_draw_{};
  Clock::time_point last_receive_{};
  Clock::time_point rate_start_{};
};

std::atomic<bool> g_stop{false};

void on_md_stop_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

}  // namespace

int run_md(const MdOptions& options, std::ostream& out, std::ostream& err, const std::atomic<bool>& stop) {
  Viewer v(options, out, err);
  return v.run(stop);
}

int md_main(const MdOptions& options) {
  MdOptions o = options;
  if (!o.raw && ::isatty(STDOUT_FILENO) == 0) o.ansi = false;
  struct sigaction sa {};
  sa.sa_handler = on_md_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  const bool terminal = !o.raw && o.ansi;
  if (terminal) std::cout << "\x1b[?25l" << std::flush;  // hide the cursor while drawing
  const int rc = run_md(o, std::cout, std::cerr, g_stop);
  if (terminal) std::cout << "\x1b[?25h" << std::flush;
  std::cout.flush();
  return rc;
}

}  // namespace rialto::mdview
