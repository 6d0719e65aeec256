// The publisher's thread: asio io_context with the acceptor, every subscriber
// socket, the shards' wake-up eventfd and a 50 ms tick (heartbeats, timeouts,
// and a drain in case a wake-up was missed by design: notify() coalesces).
#include "rialto/mdfeed/publisher.h"

#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <asio.hpp>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <list>
#include <thread>
#include <vector>

#include "retained_log.h"
#include "rialto/itch/soup.h"

namespace rialto::mdfeed {

uint64_t ns_since_midnight() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec % 86400) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

namespace {

using asio::ip::tcp;
namespace soup = itch::soup;

uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

constexpr uint64_t kLingerMs = 2000;
constexpr size_t kDrainBatch = 1u << 16;  // inputs per drain round before the sockets get a turn

struct Sub {
  enum class State : uint8_t {
    login,      // connected, no Login Request yet
    live,       // logged in: owed the log from `cursor`
    closing,    // sends what is pending, then shuts down its write side
    lingering,  // write side shut; reads and drops until EOF or the linger deadline
  };
  explicit Sub(tcp::socket s) : socket(std::move(s)), decoder(soup::Direction::from_client) {}
  tcp::socket socket;
  std::string peer;
  soup::SoupDecoder decoder;
  State state = State::login;
  uint64_t cursor = 0;
  std::string pending;  // control packets and a snapshot, sent before the log
  size_t pending_off = 0;
  std::string writing;
  bool write_in_flight = false;
  bool end_after_log = false;  // send the log up to its end, then End of Session, then close
  bool gone = false;           // socket closed, erased from the set
  uint64_t connected_ms = 0;
  uint64_t last_recv_ms = 0;
  uint64_t last_send_ms = 0;
  uint64_t linger_until_ms = 0;
  std::array<char, 4096> read_buf{};
};
using SubPtr = std::shared_ptr<Sub>;

/// Appends each snapshot message as an Unsequenced Data packet.
struct UnsequencedSink final : MessageSink {
  std::string& out;
  explicit UnsequencedSink(std::string& o) : out(o) {}
  void message(const char* p, size_t n) override { soup::append_unsequenced(out, std::string_view(p, n)); }
};

std::string default_session() {
  return std::to_string(static_cast<uint64_t>(std::time(nullptr)));
}

}  // namespace

class Publisher::Impl final : public MessageSink {
 public:
  Impl(PublisherOptions o, LogFn log)
      : opt_(std::move(o)),
        logfn_(std::move(log)),
        log_(std::max<size_t>(opt_.retained_bytes, 4096), std::max<size_t>(opt_.retained_messages, 1)),
        encoder_(*this, logfn_),
        acceptor_(io_),
        wake_fd_(io_),
        timer_(io_),
        batch_timer_(io_) {
    for (uint32_t k = 0; k < std::max<uint32_t>(opt_.shards, 1); ++k) {
      queues_.push_back(std::make_unique<MdQueue>(k, std::max<size_t>(opt_.queue_capacity, 2), opt_.prefault_queues));
    }
    session_ = opt_.session.empty() ? default_session() : opt_.session.substr(0, soup::kSessionSize);
    efd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }

  ~Impl() override {
    stop();
    if (efd_ >= 0) ::close(efd_);
  }

  // MessageSink: every message the encoder emits goes into the log.
  void message(const char* p, size_t n) override {
    log_.append(p, n);
    messages_.store(log_.next() - 1, std::memory_order_relaxed);
  }

  bool start(std::string* error) {
    if (efd_ < 0) {
      *error = std::string("cannot create an eventfd: ") + std::strerror(errno);
      return false;
    }
    asio::error_code ec;
    asio::ip::address addr = asio::ip::make_address(opt_.host, ec);
    if (ec) {
      tcp::resolver resolver(io_);
      auto results = resolver.resolve(opt_.host, std::to_string(opt_.port), ec);
      if (ec || results.empty()) {
        *error = "cannot listen for market data on " + opt_.host + ":" + std::to_string(opt_.port) +
                 ": cannot resolve host: " + ec.message();
        return false;
      }
      addr = results.begin()->endpoint().address();
    }
    tcp::endpoint ep(addr, opt_.port);
    if (acceptor_.open(ep.protocol(), ec) || acceptor_.set_option(tcp::acceptor::reuse_address(true), ec) ||
        acceptor_.bind(ep, ec) || acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
      *error = "cannot listen for market data on " + opt_.host + ":" + std::to_string(opt_.port) + ": " + ec.message();
      return false;
    }
    const tcp::endpoint bound = acceptor_.local_endpoint(ec);
    port_ = bound.port();
    encoder_.start(ns_since_midnight());
    wake_fd_.assign(::dup(efd_));
    accept();
    arm_wake();
    arm_timer();
    thread_ = std::thread([this] { io_.run(); });
    say("market data on " + bound.address().to_string() + ":" + std::to_string(port_) + " (session " + session_ + ")");
    return true;
  }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { begin_end(); });
    thread_.join();
  }

  void notify() noexcept {
    if (efd_ < 0) return;
    // acq_rel: publishes the caller's pushes to the consumer's exchange in
    // consume(); only the first notify after a consume writes the eventfd.
    if (!wake_pending_.exchange(true, std::memory_order_acq_rel)) {
      const uint64_t one = 1;
      ssize_t r;
      do {
        r = ::write(efd_, &one, sizeof one);
      } while (r < 0 && errno == EINTR);  // EAGAIN: saturated, a wake-up is pending anyway
    }
  }

  MdQueue& queue(uint32_t k) { return *queues_.at(k); }
  uint16_t port() const { return port_; }
  const std::string& session() const { return session_; }

  PublisherStats stats() const {
    PublisherStats s;
    s.inputs = inputs_.load(std::memory_order_relaxed);
    s.messages = messages_.load(std::memory_order_relaxed);
    s.subscribers = subscribers_.load(std::memory_order_relaxed);
    s.logins = logins_.load(std::memory_order_relaxed);
    s.rejected = rejected_.load(std::memory_order_relaxed);
    s.disconnected = disconnected_.load(std::memory_order_relaxed);
    s.slow = slow_.load(std::memory_order_relaxed);
    s.bytes_sent = bytes_sent_.load(std::memory_order_relaxed);
    s.broken = broken_flag_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  static void bump(std::atomic<uint64_t>& a, int64_t d = 1) {
    // relaxed: statistics only; the publisher thread is the only writer.
    a.store(a.load(std::memory_order_relaxed) + static_cast<uint64_t>(d), std::memory_order_relaxed);
  }

  void say(const std::string& line) {
    if (logfn_) logfn_(line);
  }

  // ---- shard side ------------------------------------------------------

  // Wake-ups. While inputs flow the publisher keeps wake_pending_ set, so
  // notify() costs a shard one atomic exchange and never a system call, and
  // drains again after drain_interval_us (a batch). A drain that finds nothing
  // clears the flag — from then on the next notify() writes the eventfd — and
  // drains once more for pushes that raced the clear. So wake_pending_ set
  // always means an eventfd write or a batch timer is on its way.
  void arm_wake() {
    wake_fd_.async_wait(asio::posix::descriptor::wait_read, [this](const asio::error_code& ec) {
      if (ec) return;
      uint64_t v;
      while (::read(efd_, &v, sizeof v) < 0 && errno == EINTR) {
      }
      cycle();
      arm_wake();
    });
  }

  void cycle() {
    if (batch_armed_) return;  // the batch timer drains soon anyway
    size_t n = 0;
    if (drain(false, &n)) {
      asio::post(io_, [this] { cycle(); });  // a full batch: more is waiting
      return;
    }
    if (n > 0) return arm_batch();
    // Pairs with the exchange in notify(): a push before a notify that saw
    // `true` is visible to the drain below; a notify after this sees `false`
    // and writes the eventfd.
    wake_pending_.exchange(false, std::memory_order_acq_rel);
    drain(false, &n);
    if (n > 0) {
      wake_pending_.exchange(true, std::memory_order_acq_rel);
      arm_batch();
    }
  }

  void arm_batch() {
    batch_armed_ = true;
    batch_timer_.expires_after(std::chrono::microseconds(opt_.drain_interval_us));
    batch_timer_.async_wait([this](const asio::error_code& ec) {
      batch_armed_ = false;
      if (!ec) cycle();
    });
  }

  /// Applies what the shards pushed, at most kDrainBatch inputs unless `all`
  /// (*n says how many), then lets every subscriber write. True if it stopped
  /// at kDrainBatch with inputs left.
  bool drain(bool all, size_t* applied = nullptr) {
    if (applied != nullptr) *applied = 0;
    if (broken_ || finished_feed_) return false;
    size_t n = 0;
    bool more = false;
    for (auto& q : queues_) {
      MdInput in;
      while (q->try_pop(in)) {
        encoder_.apply(in);
        if (++n >= kDrainBatch && !all) {
          more = true;
          break;
        }
      }
      if (!more && q->overflowed()) {
        // Every push before the failed one is visible now (acquire): take
        // them, so the log holds everything up to the break.
        while (q->try_pop(in)) encoder_.apply(in);
        break_feed("shard " + std::to_string(q->shard()) + "'s market-data queue was full (" +
                   std::to_string(opt_.queue_capacity) + " records): the feed lost data");
        break;
      }
    }
    bump(inputs_, static_cast<int64_t>(n));
    if (n > 0 || broken_) pump_all();
    if (applied != nullptr) *applied = n;
    return more;
  }

  void break_feed(const std::string& why) {
    broken_ = true;
    broken_reason_ = why;
    broken_flag_.store(true, std::memory_order_relaxed);
    say("md: feed broken: " + why + "; every subscriber gets End of Session, new logins are refused, matching goes on");
    for (const SubPtr& s : subs_) {
      if (s->state == Sub::State::live) s->end_after_log = true;
    }
  }

  // ---- subscribers -----------------------------------------------------

  void accept() {
    acceptor_.async_accept([this](const asio::error_code& ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted && !ending_) {
          say("md: accept failed: " + ec.message());
          accept();
        }
        return;
      }
      asio::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (opt_.socket_send_buffer > 0) {
        socket.set_option(asio::socket_base::send_buffer_size(opt_.socket_send_buffer), ignored);
      }
      const auto remote = socket.remote_endpoint(ignored);
      auto s = std::make_shared<Sub>(std::move(socket));
      s->peer = remote.address().to_string() + ":" + std::to_string(remote.port());
      if (subs_.size() >= opt_.max_subscribers) {
        say("md: " + s->peer + ": refused: " + std::to_string(subs_.size()) + " subscribers connected (the limit)");
        s->socket.close(ignored);
      } else {
        const uint64_t now = now_ms();
        s->connected_ms = s->last_recv_ms = s->last_send_ms = now;
        subs_.push_back(s);
        read(s);
      }
      accept();
    });
  }

  void read(const SubPtr& s) {
    s->socket.async_read_some(asio::buffer(s->read_buf), [this, s](const asio::error_code& ec, size_t n) {
      if (s->gone) return;
      if (ec) {
        if (s->state != Sub::State::lingering && s->state != Sub::State::closing) {
          say("md: " + s->peer + ": " + (ec == asio::error::eof ? std::string("disconnected") : ec.message()));
        }
        return destroy(s);
      }
      s->last_recv_ms = now_ms();
      if (s->state == Sub::State::login || s->state == Sub::State::live) received(s, n);
      if (!s->gone) read(s);
    });
  }

  void received(const SubPtr& s, size_t n) {
    s->decoder.append(s->read_buf.data(), n);
    soup::Packet p;
    while (s->state == Sub::State::login || s->state == Sub::State::live) {
      switch (s->decoder.next(&p)) {
        case soup::SoupDecoder::Next::need_more:
          return;
        case soup::SoupDecoder::Next::error:
          return fail(s, "malformed SoupBinTCP: " + s->decoder.error());
        case soup::SoupDecoder::Next::packet:
          handle(s, p);
          break;
      }
    }
  }

  void handle(const SubPtr& s, const soup::Packet& p) {
    if (s->state == Sub::State::login) {
      if (p.type != soup::PacketType::login_request) {
        return fail(s, std::string("packet '") + static_cast<char>(p.type) + "' before a Login Request");
      }
      return login(s, p);
    }
    switch (p.type) {
      case soup::PacketType::client_heartbeat:
      case soup::PacketType::debug:
        return;
      case soup::PacketType::logout_request:
        say("md: " + s->peer + ": logged out");
        return close_after_flush(s);
      case soup::PacketType::login_request:
        return fail(s, "a second Login Request on a logged-in session");
      case soup::PacketType::unsequenced_data:
        soup::append_debug(s->pending, "unsequenced data ignored: this feed takes no messages");
        return pump(s);
      default:
        return fail(s, std::string("packet '") + static_cast<char>(p.type) + "' is not sent by a client");
    }
  }

  void login(const SubPtr& s, const soup::Packet& p) {
    if (broken_) return reject(s, "the feed is broken: " + broken_reason_);
    if (ending_) return reject(s, "session " + session_ + " has ended");
    if (!p.session.empty() && p.session != session_) {
      return reject(s, "session '" + std::string(p.session) + "' is not available; the current session is '" + session_ +
                           "' (or leave it blank)");
    }
    const uint64_t want = p.sequence;
    std::string how;
    if (want == 0) {
      soup::append_login_accepted(s->pending, session_, log_.next());
      const size_t before = s->pending.size();
      UnsequencedSink sink(s->pending);
      encoder_.snapshot(ns_since_midnight(), sink);
      if (s->pending.size() - before > opt_.max_snapshot_bytes) {
        const size_t size = s->pending.size() - before;
        s->pending.clear();
        return reject(s, "the snapshot (" + std::to_string(size) + " bytes) exceeds the limit of " +
                             std::to_string(opt_.max_snapshot_bytes) + " bytes");
      }
      s->cursor = log_.next();
      how = "snapshot of " + std::to_string(encoder_.book().live_orders()) + " orders, then live from " +
            std::to_string(s->cursor);
    } else if (want < log_.first()) {
      return reject(s, "sequence " + std::to_string(want) + " no longer held; oldest held is " +
                           std::to_string(log_.first()) + "; log in with 0 for a snapshot");
    } else if (want > log_.next()) {
      return reject(s, "sequence " + std::to_string(want) + " is beyond the next message, " +
                           std::to_string(log_.next()) + "; log in with 0 for a snapshot");
    } else {
      soup::append_login_accepted(s->pending, session_, want);
      s->cursor = want;
      how = "replay from " + std::to_string(want);
    }
    s->state = Sub::State::live;
    bump(logins_);
    bump(subscribers_);
    say("md: " + s->peer + ": logged in as '" + std::string(p.username) + "', " + how);
    pump(s);
  }

  void reject(const SubPtr& s, const std::string& why) {
    say("md: " + s->peer + ": login rejected: " + why);
    bump(rejected_);
    s->pending.clear();
    s->pending_off = 0;
    soup::append_debug(s->pending, why);
    soup::append_login_rejected(s->pending, soup::RejectReason::session_not_available);
    close_after_flush(s);
  }

  /// A protocol error: a Debug packet naming it, then the connection closes.
  void fail(const SubPtr& s, const std::string& why) {
    say("md: " + s->peer + ": " + why);
    bump(disconnected_);
    s->pending.clear();
    s->pending_off = 0;
    soup::append_debug(s->pending, why);
    close_after_flush(s);
  }

  void close_after_flush(const SubPtr& s) {
    if (s->state == Sub::State::live) bump(subscribers_, -1);
    s->state = Sub::State::closing;
    s->linger_until_ms = now_ms() + kLingerMs;
    pump(s);
  }

  /// Closes at once (a slow subscriber gets nothing more: it is not reading).
  void drop(const SubPtr& s, const std::string& why) {
    say("md: " + s->peer + ": " + why);
    bump(disconnected_);
    destroy(s);
  }

  void destroy(const SubPtr& s) {
    if (s->gone) return;
    if (s->state == Sub::State::live) bump(subscribers_, -1);
    s->gone = true;
    asio::error_code ignored;
    s->socket.close(ignored);
    subs_.remove(s);
  }

  void pump_all() {
    // Copy: pump may destroy, which erases from subs_.
    scratch_.assign(subs_.begin(), subs_.end());
    for (const SubPtr& s : scratch_) {
      if (s->state == Sub::State::live && s->cursor < log_.first()) {
        bump(slow_);
        drop(s, "slow subscriber, " + std::to_string(log_.next() - s->cursor) +
                    " messages behind (the retained log holds " + std::to_string(log_.next() - log_.first()) + ")");
        continue;
      }
      pump(s);
    }
    scratch_.clear();
  }

  void pump(const SubPtr& s) {
    if (s->gone || s->write_in_flight || s->state == Sub::State::lingering || s->state == Sub::State::login) return;
    std::string& w = s->writing;
    w.clear();
    const size_t chunk = std::max<size_t>(opt_.write_chunk_bytes, 4096);
    if (s->pending_off < s->pending.size()) {
      const size_t n = std::min(chunk, s->pending.size() - s->pending_off);
      w.assign(s->pending, s->pending_off, n);
      s->pending_off += n;
      if (s->pending_off == s->pending.size()) {
        if (s->pending.capacity() > (1u << 20)) {
          std::string().swap(s->pending);  // a snapshot's memory goes once it is sent
        } else {
          s->pending.clear();
        }
        s->pending_off = 0;
      }
    } else if (s->state == Sub::State::live && s->cursor < log_.next()) {
      if (!log_.holds(s->cursor)) {
        bump(slow_);
        return drop(s, "slow subscriber, " + std::to_string(log_.next() - s->cursor) + " messages behind");
      }
      s->cursor = log_.copy(s->cursor, chunk, w);
    } else if (s->state == Sub::State::live && s->end_after_log) {
      soup::append_end_of_session(w);
      bump(subscribers_, -1);
      s->state = Sub::State::closing;
      s->linger_until_ms = now_ms() + kLingerMs;
    }
    if (w.empty()) {
      if (s->state == Sub::State::closing) shut(s);
      return;
    }
    s->write_in_flight = true;
    asio::async_write(s->socket, asio::buffer(w), [this, s](const asio::error_code& ec, size_t n) {
      s->write_in_flight = false;
      if (s->gone) return;
      if (ec) {
        if (s->state != Sub::State::closing) say("md: " + s->peer + ": write failed: " + ec.message());
        return destroy(s);
      }
      bump(bytes_sent_, static_cast<int64_t>(n));
      s->last_send_ms = now_ms();
      pump(s);
    });
  }

  /// Everything is written: shut the write side, read until the peer closes.
  /// Closing with unread input would reset the connection and lose the bytes
  /// the peer has not read yet (our last packets among them).
  void shut(const SubPtr& s) {
    asio::error_code ignored;
    s->socket.shutdown(tcp::socket::shutdown_send, ignored);
    s->state = Sub::State::lingering;
    s->linger_until_ms = now_ms() + kLingerMs;
  }

  void arm_timer() {
    timer_.expires_after(std::chrono::milliseconds(50));
    timer_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      tick();
      if (ending_ && (subs_.empty() || now_ms() > end_deadline_ms_)) return finish();
      arm_timer();
    });
  }

  void tick() {
    cycle();
    const uint64_t now = now_ms();
    scratch_.assign(subs_.begin(), subs_.end());
    for (const SubPtr& s : scratch_) {
      switch (s->state) {
        case Sub::State::login:
          if (now - s->connected_ms > opt_.login_timeout_ms) {
            fail(s, "no Login Request within " + std::to_string(opt_.login_timeout_ms) + " ms");
          }
          break;
        case Sub::State::live:
          if (now - s->last_recv_ms > opt_.client_timeout_ms) {
            fail(s, "nothing received for " + std::to_string(now - s->last_recv_ms) + " ms (heartbeat timeout)");
          } else if (!s->write_in_flight && s->pending.empty() && s->cursor == log_.next() &&
                     now - s->last_send_ms >= opt_.heartbeat_ms) {
            soup::append_server_heartbeat(s->pending);
            pump(s);
          }
          break;
        case Sub::State::closing:
        case Sub::State::lingering:
          if (now > s->linger_until_ms) destroy(s);
          break;
      }
    }
    scratch_.clear();
  }

  void begin_end() {
    ending_ = true;
    asio::error_code ignored;
    acceptor_.close(ignored);
    if (!broken_) {
      drain(true);
      encoder_.finish(ns_since_midnight());
    }
    finished_feed_ = true;  // records pushed from now on are not published
    scratch_.assign(subs_.begin(), subs_.end());
    for (const SubPtr& s : scratch_) {
      if (s->state == Sub::State::live) {
        s->end_after_log = true;
        pump(s);
      } else if (s->state == Sub::State::login) {
        close_after_flush(s);
      }
    }
    scratch_.clear();
    end_deadline_ms_ = now_ms() + opt_.end_grace_ms;
    const PublisherStats st = stats();
    say("md: ended session " + session_ + ": " + std::to_string(st.messages) + " messages, " +
        std::to_string(st.logins) + " logins, " + std::to_string(st.disconnected) + " disconnected (" +
        std::to_string(st.slow) + " slow)");
  }

  void finish() {
    scratch_.assign(subs_.begin(), subs_.end());
    for (const SubPtr& s : scratch_) destroy(s);
    scratch_.clear();
    asio::error_code ignored;
    wake_fd_.close(ignored);
    timer_.cancel();
    batch_timer_.cancel();
    io_.stop();
  }

  PublisherOptions opt_;
  LogFn logfn_;
  detail::RetainedLog log_;
  FeedEncoder encoder_;
  std::vector<std::unique_ptr<MdQueue>> queues_;
  std::string session_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  asio::posix::stream_descriptor wake_fd_;
  asio::steady_timer timer_;
  asio::steady_timer batch_timer_;
  bool batch_armed_ = false;
  std::thread thread_;
  int efd_ = -1;
  uint16_t port_ = 0;
  std::list<SubPtr> subs_;
  std::vector<SubPtr> scratch_;
  bool broken_ = false;
  std::string broken_reason_;
  bool ending_ = false;
  bool finished_feed_ = false;
  uint64_t end_deadline_ms_ = 0;
  std::atomic<bool> wake_pending_{false};
  std::atomic<uint64_t> inputs_{0}, messages_{0}, subscribers_{0}, logins_{0}, rejected_{0}, disconnected_{0},
      slow_{0}, bytes_sent_{0};
  std::atomic<bool> broken_flag_{false};
};

Publisher::Publisher(PublisherOptions options, LogFn log)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(log))) {}
Publisher::~Publisher() = default;
bool Publisher::start(std::string* error) { return impl_->start(error); }
MdQueue& Publisher::queue(uint32_t k) { return impl_->queue(k); }
void Publisher::notify() noexcept { impl_->notify(); }
uint16_t Publisher::port() const { return impl_->port(); }
const std::string& Publisher::session() const { return impl_->session(); }
void Publisher::stop() { impl_->stop(); }
PublisherStats Publisher::stats() const { return impl_->stats(); }

}  // namespace rialto::mdfeed
