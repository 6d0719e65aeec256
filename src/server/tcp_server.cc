// The I/O shell of the gateway: asio (ADR 0004). One io_context on the
// gateway thread runs the acceptor, every session socket, a 10 ms tick, the
// shards' wake-up eventfd and the signal handler. Everything protocol-level
// happens in Gateway; this file only moves bytes and closes sockets.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include <asio.hpp>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <iostream>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "gateway.h"
#include "rialto/journal/fs.h"
#include "rialto/mdfeed/publisher.h"
#include "recovery.h"
#include "rialto/server/server.h"
#include "shard_thread.h"

namespace rialto::server {

namespace {

using asio::ip::tcp;

uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

/// Log lines from the gateway and the matching threads (rare: start-up,
/// sessions, errors), one whole line at a time.
class StreamLog final : public Log {
 public:
  explicit StreamLog(std::ostream& out) : out_(out) {}
  void line(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    out_ << "rialto serve: " << line << '\n';
    out_.flush();
  }

 private:
  std::mutex mu_;
  std::ostream& out_;
};

journal::Policy to_policy(config::JournalPolicy p) {
  switch (p) {
    case config::JournalPolicy::fsync: return journal::Policy::fsync;
    case config::JournalPolicy::async: return journal::Policy::async;
    case config::JournalPolicy::none: break;
  }
  return journal::Policy::none;
}

/// Holds an exclusive flock on DIR/LOCK for the process's life: two servers
/// on one data directory would interleave their journals.
class DirLock {
 public:
  bool take(const std::string& dir, std::string* error) {
    const std::string path = dir + "/LOCK";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      *error = path + ": " + std::strerror(errno);
      return false;
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      *error = path + ": the data directory is in use by another process";
      return false;
    }
    return true;
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
};

struct Conn {
  static constexpr size_t kReadChunk = 64 * 1024;
  explicit Conn(tcp::socket s) : socket(std::move(s)), read_buf(new char[kReadChunk]) {}
  tcp::socket socket;
  // Reads land here, owned by the connection, then are copied into the
  // session's buffer: a read still pending when the session ends (and its
  // buffer goes) then writes only into memory the handler keeps alive.
  std::unique_ptr<char[]> read_buf;
  Session* session = nullptr;
  std::string writing;
  bool write_in_flight = false;
  bool read_pending = false;
  bool closed = false;          // the session has ended; the socket may still linger
  uint64_t linger_until_ms = 0;
  uint64_t closing_since_ms = 0;
};

class TcpServer {
 public:
  TcpServer(Gateway& gateway, std::vector<std::unique_ptr<ShardThread>>& shards, EventFdWake& wake, Log& log)
      : gateway_(gateway),
        shards_(shards),
        wake_(wake),
        log_(log),
        acceptor_(io_),
        wake_fd_(io_),
        timer_(io_),
        signals_(io_, SIGINT, SIGTERM) {}

  bool listen(const std::string& host, uint16_t port, std::ostream& out) {
    asio::error_code ec;
    asio::ip::address addr = asio::ip::make_address(host, ec);
    if (ec) {
      tcp::resolver resolver(io_);
      auto results = resolver.resolve(host, std::to_string(port), ec);
      if (ec || results.empty()) {
        log_.line("cannot listen on " + host + ":" + std::to_string(port) + ": cannot resolve host: " + ec.message());
        return false;
      }
      addr = results.begin()->endpoint().address();
    }
    tcp::endpoint ep(addr, port);
    if (acceptor_.open(ep.protocol(), ec) || acceptor_.set_option(tcp::acceptor::reuse_address(true), ec) ||
        acceptor_.bind(ep, ec) || acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
      log_.line("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
      return false;
    }
    const tcp::endpoint bound = acceptor_.local_endpoint(ec);
    out << "rialto serve: listening on " << bound.address().to_string() << ':' << bound.port() << '\n';
    out.flush();
    return true;
  }

  void run() {
    accept();
    wake_fd_.assign(::dup(wake_.fd()));
    arm_wake();
    arm_timer();
    signals_.async_wait([this](const asio::error_code& ec, int sig) {
      if (!ec) shutdown(sig);
    });
    io_.run();
  }

 private:
  void accept() {
    acceptor_.async_accept([this](const asio::error_code& ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted && !stopping_) {
          log_.line("accept failed: " + ec.message());
          accept();
        }
        return;
      }
      asio::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      const auto remote = socket.remote_endpoint(ignored);
      const std::string peer = remote.address().to_string() + ":" + std::to_string(remote.port());
      Session* s = gateway_.open(now_ms(), peer);
      auto c = std::make_shared<Conn>(std::move(socket));
      c->session = s;
      conns_[s] = c;
      if (Gateway::wants_close(*s)) {
        flush();  // its Logout(server_busy), then the close
      } else {
        read(c);
      }
      accept();
    });
  }

  void read(const std::shared_ptr<Conn>& c) {
    const size_t room = std::min(Gateway::read_room(*c->session), Conn::kReadChunk);
    c->read_pending = true;
    c->socket.async_read_some(asio::buffer(c->read_buf.get(), room), [this, c](const asio::error_code& ec, size_t n) {
      c->read_pending = false;
      if (c->closed) return linger(c);
      if (ec) {
        close(c, ec == asio::error::eof ? "end of stream" : ec.message());
        return flush();
      }
      if (stopping_) return;  // shutting down: no new inputs
      std::memcpy(Gateway::read_space(*c->session), c->read_buf.get(), n);
      gateway_.received(*c->session, n, now_ms());
      pump();
      if (!c->closed && !Gateway::wants_close(*c->session)) read(c);
    });
  }

  /// Routes shard outputs and starts the writes they caused.
  void pump() {
    gateway_.drain();
    flush();
  }

  void flush() {
    // write() may close a session, which may queue more output (cancel on
    // disconnect): go round until nothing is left. A closed session's pointer
    // is only used as a key of conns_, which no longer has it.
    for (;;) {
      scratch_.clear();
      gateway_.take_dirty(scratch_);
      if (scratch_.empty()) return;
      for (Session* s : scratch_) {
        auto it = conns_.find(s);
        if (it != conns_.end()) write(it->second);
      }
    }
  }

  void write(const std::shared_ptr<Conn>& c) {
    if (c->closed || c->write_in_flight) return;
    Session& s = *c->session;
    std::string& out = Gateway::outbound(s);
    if (out.empty()) {
      if (Gateway::wants_close(s)) close(c, "");
      return;
    }
    c->writing.swap(out);
    out.clear();
    c->write_in_flight = true;
    asio::async_write(c->socket, asio::buffer(c->writing), [this, c](const asio::error_code& ec, size_t) {
      c->write_in_flight = false;
      c->writing.clear();
      if (c->closed) return;
      if (ec) return close(c, "write failed: " + ec.message());
      write(c);
      flush();
    });
  }

  /// Ends the session. The socket lingers: its write side is shut down after
  /// what was written (the Logout last), and what the peer still sends is
  /// read and dropped until it closes or 2 s pass. Closing at once with unread
  /// input would make the kernel reset the connection and the peer lose the
  /// bytes it had not read yet, the Logout among them.
  void close(const std::shared_ptr<Conn>& c, const std::string& why) {
    if (c->closed) return;
    c->closed = true;
    asio::error_code ignored;
    c->socket.shutdown(tcp::socket::shutdown_send, ignored);
    c->linger_until_ms = now_ms() + 2000;
    Session* s = c->session;
    c->session = nullptr;
    conns_.erase(s);
    lingering_.insert(c);
    if (!c->read_pending) linger(c);  // else the pending read's handler continues here
    gateway_.closed(*s, why);
  }

  void linger(const std::shared_ptr<Conn>& c) {
    if (!lingering_.contains(c)) return;
    c->read_pending = true;
    c->socket.async_read_some(asio::buffer(c->read_buf.get(), Conn::kReadChunk), [this, c](const asio::error_code& ec, size_t) {
      c->read_pending = false;
      if (ec) return release(c);  // EOF from the peer, or the socket was closed
      linger(c);
    });
  }

  void release(const std::shared_ptr<Conn>& c) {
    asio::error_code ignored;
    c->socket.close(ignored);
    lingering_.erase(c);
  }

  void arm_wake() {
    wake_fd_.async_wait(asio::posix::descriptor::wait_read, [this](const asio::error_code& ec) {
      if (ec) return;
      wake_.consume();
      pump();
      arm_wake();
    });
  }

  void arm_timer() {
    timer_.expires_after(std::chrono::milliseconds(10));
    timer_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      const uint64_t now = now_ms();
      gateway_.tick(now);
      pump();
      // A session that wants to close but cannot get its last bytes out
      // (its peer stopped reading) is closed after 2 s.
      std::vector<std::shared_ptr<Conn>> stuck;
      for (auto& [s, c] : conns_) {
        if (!Gateway::wants_close(*s)) continue;
        if (c->closing_since_ms == 0) c->closing_since_ms = now;
        if (now - c->closing_since_ms > 2000) stuck.push_back(c);
      }
      for (auto& c : stuck) close(c, "could not send its last messages within 2 s");
      std::vector<std::shared_ptr<Conn>> done;
      for (const auto& c : lingering_) {
        if (now >= c->linger_until_ms) done.push_back(c);
      }
      for (auto& c : done) release(c);
      flush();
      if (stopping_ && conns_.empty() && lingering_.empty()) return finish();
      arm_timer();
    });
  }

  void shutdown(int sig) {
    log_.line(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
              ": shutting down (no new connections or inputs; finishing the queued inputs)");
    stopping_ = true;
    asio::error_code ignored;
    acceptor_.close(ignored);
    for (auto& sh : shards_) sh->request_stop();
    for (;;) {
      gateway_.drain();
      bool all = true;
      for (auto& sh : shards_) all = all && sh->finished();
      if (all) break;
      std::this_thread::yield();
    }
    for (auto& sh : shards_) sh->stop();
    gateway_.drain();
    gateway_.logout_all("the venue is shutting down");
    flush();
  }

  void finish() {
    asio::error_code ignored;
    wake_fd_.close(ignored);
    timer_.cancel();
    signals_.cancel();
    io_.stop();
  }

  Gateway& gateway_;
  std::vector<std::unique_ptr<ShardThread>>& shards_;
  EventFdWake& wake_;
  Log& log_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  asio::posix::stream_descriptor wake_fd_;
  asio::steady_timer timer_;
  asio::signal_set signals_;
  std::unordered_map<Session*, std::shared_ptr<Conn>> conns_;
  std::unordered_set<std::shared_ptr<Conn>> lingering_;  // ended, waiting for the peer to close
  std::vector<Session*> scratch_;
  bool stopping_ = false;
};

engine::IdKey random_key() {
  engine::IdKey k;
  uint64_t words[2] = {0, 0};
  size_t got = 0;
  while (got < sizeof words) {
    ssize_t r = ::getrandom(reinterpret_cast<char*>(words) + got, sizeof words - got, 0);
    if (r > 0) got += static_cast<size_t>(r);
  }
  k.k0 = words[0];
  k.k1 = words[1];
  return k;
}

}  // namespace

int serve(const config::VenueConfig& venue, const RunOptions& options) {
  std::ostream& out = options.log ? *options.log : std::cerr;
  StreamLog log(out);
  if (venue.demo()) {
    log.line("WARNING: demo venue: any account name may log on and every session is admin (no [[account]] in the configuration)");
  }
  EventFdWake wake;
  if (!wake.ok()) {
    log.line("cannot create an eventfd");
    return 1;
  }
  DirLock lock;
  if (venue.data_dir.empty()) {
    log.line("no data directory: running in memory (nothing is journaled; a restart starts empty)");
  } else {
    std::error_code ec;
    std::filesystem::create_directories(venue.data_dir, ec);
    std::string error;
    if (ec) {
      log.line("cannot create the data directory " + venue.data_dir + ": " + ec.message());
      return 1;
    }
    if (!lock.take(venue.data_dir, &error)) {
      log.line("cannot lock the data directory: " + error);
      return 1;
    }
    // A data directory made with more shards than configured cannot be recovered.
    for (const auto& entry : std::filesystem::directory_iterator(venue.data_dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("shard-", 0) == 0 && std::atoi(name.c_str() + 6) >= static_cast<int>(venue.shards)) {
        log.line("the data directory " + venue.data_dir + " holds " + name + " but the venue has " +
                 std::to_string(venue.shards) + " shard(s): start with the same [matching] shards");
        return 1;
      }
    }
    log.line("data directory " + venue.data_dir + ", journal policy " +
             std::string(journal::to_string(to_policy(venue.journal.policy))));
  }
  // The market-data publisher: its own thread, one queue per shard (docs/MARKET_DATA.md).
  mdfeed::PublisherOptions po;
  po.host = venue.md_listen_host;
  po.port = venue.md_listen_port;
  po.shards = venue.shards;
  mdfeed::Publisher publisher(po, [&log](std::string_view line) { log.line(std::string(line)); });
  const auto started = std::chrono::steady_clock::now();
  engine::EngineConfig ec;
  ec.max_orders = venue.max_orders_per_shard;
  ec.max_symbols = venue.max_symbols_per_shard;
  std::vector<std::unique_ptr<ShardThread>> shards;
  std::vector<ShardLink*> links;
  std::vector<RecoveredShard> recovered;
  uint64_t recovered_inputs = 0;
  for (uint32_t k = 0; k < venue.shards; ++k) {
    ec.id_key = random_key();
    ShardDurability d;
    if (!venue.data_dir.empty()) {
      d.fs = &journal::posix_fs();
      d.dir = venue.data_dir + "/shard-" + std::to_string(k);
      d.writer.policy = to_policy(venue.journal.policy);
      d.writer.group_commit_us = venue.journal.group_commit_us;
      d.writer.segment_bytes = uint64_t{venue.journal.segment_mb} << 20;
      d.snapshot_every = venue.journal.snapshot_every;
      d.salvage = options.salvage;
    }
    if (!options.event_log.empty()) d.event_log = options.event_log + ".shard-" + std::to_string(k);
    shards.push_back(std::make_unique<ShardThread>(ec, venue.queue_capacity, wake, k, d, &log));
    shards.back()->attach_market_data(publisher);
    if (!shards.back()->ok()) {
      log.line("cannot allocate shard " + std::to_string(k) + "'s tables (max_orders_per_shard " +
               std::to_string(venue.max_orders_per_shard) + ")");
      return 1;
    }
    std::string error;
    if (!shards.back()->recover(&error)) {
      log.line("cannot recover shard " + std::to_string(k) + ": " + error);
      return 3;
    }
    recovered_inputs += shards.back()->recovered_inputs();
    if (!venue.data_dir.empty()) recovered.push_back(recovered_state(shards.back()->matcher()));
    links.push_back(shards.back().get());
  }
  if (!venue.data_dir.empty()) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    log.line("recovery: " + std::to_string(recovered_inputs) + " journaled inputs replayed in " +
             std::to_string(static_cast<int64_t>(ms)) + " ms");
  }
  GatewayOptions g;
  for (const auto& a : venue.accounts) g.accounts.push_back({a.name, a.password, a.admin});
  for (const auto& s : venue.symbols) {
    g.symbols.push_back({s.name, s.tick, engine::SymbolSpec{Qty(s.lot), Qty(s.max_qty)}, s.shard});
  }
  g.shards = venue.shards;
  g.max_orders_per_shard = venue.max_orders_per_shard;
  g.max_symbols_per_shard = venue.max_symbols_per_shard;
  g.max_sessions = venue.limits.max_sessions;
  g.max_live_orders = venue.limits.max_live_orders;
  g.rate_per_second = venue.limits.rate_per_second;
  g.burst = venue.limits.burst;
  g.outbound_buffer_bytes = venue.limits.outbound_buffer_bytes;
  g.heartbeat_min_ms = venue.limits.heartbeat_min_ms;
  g.heartbeat_max_ms = venue.limits.heartbeat_max_ms;
  g.id_key = random_key();
  g.shard_for = [&venue](std::string_view name) { return venue.shard_for(name); };
  Gateway gateway(std::move(g), links, log, recovered);
  if (!gateway.error().empty()) {
    log.line("cannot start: " + gateway.error());
    return 3;
  }
  std::string md_error;
  if (!publisher.start(&md_error)) {
    log.line("cannot start the market-data feed: " + md_error);
    return 1;
  }
  for (auto& sh : shards) sh->publish_recovered_state();
  for (auto& sh : shards) sh->start();
  TcpServer server(gateway, shards, wake, log);
  if (!server.listen(venue.listen_host, venue.listen_port, out)) {
    for (auto& sh : shards) sh->stop();
    return 1;
  }
  log.line(std::to_string(venue.shards) + " matching shard(s), " + std::to_string(venue.symbols.size()) +
           " instrument(s)");
  server.run();  // returns once every shard has finished and stopped
  publisher.stop();  // the rest of the feed, end-of-day system events, End of Session
  const GatewayStats& st = gateway.stats();
  log.line("stopped: " + std::to_string(st.sessions_opened) + " sessions, " + std::to_string(st.inputs) +
           " inputs, " + std::to_string(st.reports) + " execution reports, " + std::to_string(st.dropped_reports) +
           " reports for ended sessions dropped");
  return 0;
}

}  // namespace rialto::server
