// Sessions against a real `rialto serve` over loopback, driven with
// client::Session (and raw sockets where the client library would refuse to
// misbehave): many concurrent sessions trading with each other, account
// isolation, shutdown with sessions open, a client killed with SIGKILL, a
// slow consumer, and a malformed frame.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "process.h"
#include "rialto/client/session.h"
#include "rialto/protocol/framing.h"
#include "rialto/protocol/messages.h"

namespace rialto::e2e {
namespace {

namespace p = rialto::protocol;
using client::Frame;
using client::RecvStatus;
using client::Session;

constexpr int kTimeoutMs = 10000;

/// A copy of a (packed, maybe misaligned) wire field: gtest's macros bind
/// their arguments to references, which UBSan rejects for packed members.
template <class T>
T v(T x) {
  return x;
}

/// A fixture owning the server: TearDown fails the test if the server
/// crashed, did not stop cleanly on SIGTERM or logged an unexpected line.
class ServerTest : public ::testing::Test {
 protected:
  void start(const std::string& config) {
    std::string error;
    ASSERT_TRUE(server_.start(config, error)) << error;
  }
  void TearDown() override {
    if (server_.running()) {
      EXPECT_EQ(server_.finish(allowed_), "");
    }
  }

 public:
  std::vector<std::string>& allowed() { return allowed_; }

 protected:
  ServerProcess server_;
  std::vector<std::string> allowed_;  // log lines this test expects besides the usual ones
};

std::unique_ptr<Session> logon(uint16_t port, const std::string& account, bool cancel_on_disconnect) {
  auto s = std::make_unique<Session>();
  if (!s->connect("127.0.0.1", port)) {
    ADD_FAILURE() << s->error();
    return nullptr;
  }
  client::LogonResult r = s->logon(account, "pw", 1000, cancel_on_disconnect);
  if (r.status != client::LogonResult::Status::ok) {
    ADD_FAILURE() << "logon of " << account << " failed: " << r.text;
    return nullptr;
  }
  return s;
}

p::NewOrder order(uint64_t id, const char* sym, p::Side side, int64_t qty, int64_t px_cents,
                  p::Tif tif = p::Tif::gtc) {
  p::NewOrder m{};
  m.cl_ord_id = id;
  m.qty = qty;
  m.price = px_cents;
  m.price_exponent = -2;
  (void)p::set_field(m.symbol, sym);
  m.side = static_cast<uint8_t>(side);
  m.ord_type = static_cast<uint8_t>(p::OrdType::limit);
  m.tif = static_cast<uint8_t>(tif);
  m.stp = 0;
  m.post_only = 0;
  return m;
}

/// What arrives until a frame satisfying `done` (included in `frames`).
struct Collected {
  std::vector<p::ExecutionReport> reports;
  std::vector<p::BookLevel> levels;
  std::vector<p::MassCancelReport> mass;
  std::vector<p::InstrumentReport> instruments;
  std::optional<p::Logout> logout;
  bool ok = false;
  std::string error;
};

void take(const Frame& f, Collected& c) {
  if (f.is<p::ExecutionReport>()) c.reports.push_back(f.as<p::ExecutionReport>());
  else if (f.is<p::BookLevel>()) c.levels.push_back(f.as<p::BookLevel>());
  else if (f.is<p::MassCancelReport>()) c.mass.push_back(f.as<p::MassCancelReport>());
  else if (f.is<p::InstrumentReport>()) c.instruments.push_back(f.as<p::InstrumentReport>());
  else if (f.is<p::Logout>()) c.logout = f.as<p::Logout>();
}

/// Sends Sync(token) and collects everything up to its SyncAck.
Collected sync(Session& s, uint64_t token) {
  Collected c;
  if (!s.send(p::Sync{0, token})) {
    c.error = "send Sync: " + s.error();
    return c;
  }
  for (;;) {
    Frame f;
    RecvStatus st = s.receive(f, kTimeoutMs);
    if (st != RecvStatus::frame) {
      c.error = "waiting for SyncAck " + std::to_string(token) + ": " + (st == RecvStatus::timeout ? "timeout" : s.error());
      return c;
    }
    if (f.is<p::SyncAck>() && f.as<p::SyncAck>().token == token) {
      c.ok = true;
      return c;
    }
    take(f, c);
    if (c.logout) {
      c.error = "Logout reason " + std::to_string(c.logout->reason);
      return c;
    }
  }
}

/// Levels of `sym` by BookRequest (bids then asks, as the server sends them).
std::vector<p::BookLevel> book(Session& s, const char* sym) {
  p::BookRequest m{};
  (void)p::set_field(m.symbol, sym);
  EXPECT_TRUE(s.send(m)) << s.error();
  std::vector<p::BookLevel> levels;
  for (;;) {
    Frame f;
    RecvStatus st = s.receive(f, kTimeoutMs);
    if (st != RecvStatus::frame) {
      ADD_FAILURE() << "waiting for BookEnd: " << s.error();
      return levels;
    }
    if (f.is<p::BookLevel>()) levels.push_back(f.as<p::BookLevel>());
    if (f.is<p::BookEnd>()) {
      EXPECT_EQ(f.as<p::BookEnd>().status, static_cast<uint8_t>(p::BookStatus::ok));
      return levels;
    }
  }
}

/// "bid 100.00 x 30 (2)" per level, for whole-book comparisons.
std::string book_text(const std::vector<p::BookLevel>& levels) {
  std::string t;
  for (const auto& l : levels) {
    t += (l.side == 0 ? "bid " : "ask ") + std::to_string(l.price) + "e" + std::to_string(l.price_exponent) + " x " +
         std::to_string(l.qty) + " (" + std::to_string(l.orders) + ")\n";
  }
  return t;
}

void add_symbol(Session& s, const char* sym) {
  p::AddInstrument m{};
  m.tick = 1;
  m.tick_exponent = -2;
  m.lot = 1;
  m.max_qty = 1000000;
  (void)p::set_field(m.symbol, sym);
  ASSERT_TRUE(s.send(m)) << s.error();
  Frame f;
  ASSERT_EQ(s.receive(f, kTimeoutMs), RecvStatus::frame) << s.error();
  ASSERT_TRUE(f.is<p::InstrumentReport>());
  ASSERT_EQ(f.as<p::InstrumentReport>().status, static_cast<uint8_t>(p::InstrumentStatus::added));
}

std::string exec_types(const std::vector<p::ExecutionReport>& rs) {
  std::string t;
  for (const auto& r : rs) t += std::to_string(r.cl_ord_id) + ":" + std::to_string(r.exec_type) + " ";
  return t;
}

// ---- Concurrent sessions ---------------------------------------------------

TEST_F(ServerTest, concurrentSessionsAccountForEveryOrderAndMatchTheFinalBook) {
  start(venue_config("shards = 2\n"));
  auto admin = logon(server_.port(), "admin", false);
  ASSERT_TRUE(admin);
  add_symbol(*admin, "XA");
  add_symbol(*admin, "XB");
  constexpr int kThreads = 8;
#if defined(RIALTO_SANITIZED)
  constexpr int kOrders = 100;
#else
  constexpr int kOrders = 250;
#endif
  struct Result {
    uint32_t session_id = 0;
    std::vector<p::ExecutionReport> reports;
    std::string error;
  };
  std::vector<Result> results(kThreads);
  std::barrier all_sent(kThreads);
  std::vector<std::thread> threads;
  const uint16_t port = server_.port();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Result& res = results[static_cast<size_t>(t)];
      Session s;
      bool ok = s.connect("127.0.0.1", port) &&
                s.logon("trader" + std::to_string(t), "pw", 1000, false).status == client::LogonResult::Status::ok;
      res.session_id = s.session_id();
      std::mt19937 rng(static_cast<uint32_t>(t));
      const uint64_t base = static_cast<uint64_t>(t + 1) * 1'000'000;
      for (int i = 0; ok && i < kOrders; ++i) {
        const uint64_t id = base + static_cast<uint64_t>(i);
        if (i > 5 && rng() % 6 == 0) {
          ok = s.send(p::CancelOrder{0, base + rng() % static_cast<uint64_t>(i)});  // maybe done already: unknown_order
          continue;
        }
        const auto side = rng() % 2 == 0 ? p::Side::buy : p::Side::sell;
        const int64_t px = 10000 + static_cast<int64_t>(rng() % 5) - (side == p::Side::buy ? 1 : 3);
        const auto tif = rng() % 4 == 0 ? p::Tif::ioc : p::Tif::gtc;
        ok = s.send(order(id, rng() % 2 == 0 ? "XA" : "XB", side, 1 + static_cast<int64_t>(rng() % 10), px, tif));
      }
      Collected c = ok ? sync(s, 1) : Collected{};
      ok = ok && c.ok;
      all_sent.arrive_and_wait();
      // Everyone's inputs are sequenced before this second Sync: every report
      // for this session is in by its SyncAck.
      Collected d = ok ? sync(s, 2) : Collected{};
      ok = ok && d.ok;
      res.reports = std::move(c.reports);
      res.reports.insert(res.reports.end(), d.reports.begin(), d.reports.end());
      if (!ok) res.error = s.error() + " " + c.error + " " + d.error;
      s.logout();
    });
  }
  for (auto& th : threads) th.join();

  struct Live {
    int64_t leaves = 0;
    int64_t cum = 0;
    int64_t price = 0;
    uint8_t side = 0;
    std::string sym;
    bool done = false;
  };
  std::map<uint64_t, p::ExecutionReport> trades_by_match;  // first side seen
  std::map<uint64_t, int> sides_of_match;
  std::map<std::string, std::map<std::pair<uint8_t, int64_t>, std::pair<int64_t, uint32_t>>> resting;  // sym -> (side, px) -> qty, orders
  size_t accepted = 0, fills = 0;
  for (int t = 0; t < kThreads; ++t) {
    const Result& res = results[static_cast<size_t>(t)];
    ASSERT_EQ(res.error, "") << "thread " << t;
    const uint64_t base = static_cast<uint64_t>(t + 1) * 1'000'000;
    std::map<uint64_t, Live> orders;
    for (const p::ExecutionReport& r : res.reports) {
      // Isolation: only this session's own orders.
      ASSERT_GE(v(r.cl_ord_id), base) << "thread " << t << " got a report for " << v(r.cl_ord_id);
      ASSERT_LT(v(r.cl_ord_id), base + kOrders) << "thread " << t << " got a report for " << v(r.cl_ord_id);
      const auto et = static_cast<p::ExecType>(r.exec_type);
      if (et == p::ExecType::rejected) {
        // Only cancels of done orders are rejected here.
        EXPECT_EQ(v(r.reject_reason), static_cast<uint8_t>(p::RejectCode::unknown_order));
        continue;
      }
      EXPECT_EQ(v(r.order_id) >> 32, res.session_id);
      Live& o = orders[v(r.cl_ord_id)];
      ASSERT_FALSE(o.done) << "report after the order was done: " << r.cl_ord_id;
      if (et == p::ExecType::new_order) {
        ++accepted;
        o.leaves = r.qty;
        o.price = r.price;
        o.side = r.side;
        o.sym = std::string(p::field_view(r.symbol));
        EXPECT_EQ(v(r.leaves_qty), v(r.qty));
      } else if (et == p::ExecType::partially_filled || et == p::ExecType::filled) {
        ++fills;
        o.leaves -= r.last_qty;
        o.cum += r.last_qty;
        EXPECT_EQ(v(r.leaves_qty), o.leaves) << v(r.cl_ord_id);
        EXPECT_EQ(v(r.cum_qty), o.cum) << v(r.cl_ord_id);
        EXPECT_EQ(et == p::ExecType::filled, o.leaves == 0) << v(r.cl_ord_id);
        o.done = o.leaves == 0;
        auto [it, fresh] = trades_by_match.try_emplace(r.match_id * 2 + (p::field_view(r.symbol) == "XB" ? 1 : 0), r);
        ++sides_of_match[it->first];
        if (!fresh) {
          const p::ExecutionReport& other = it->second;
          EXPECT_EQ(v(other.last_px), v(r.last_px));
          EXPECT_EQ(v(other.last_qty), v(r.last_qty));
          EXPECT_NE(v(other.side), v(r.side));
          EXPECT_NE(v(other.flags) & p::kFlagAggressor, v(r.flags) & p::kFlagAggressor);
          EXPECT_EQ(v(other.engine_seq), v(r.engine_seq));
        }
      } else if (et == p::ExecType::cancelled) {
        EXPECT_EQ(v(r.qty), o.leaves) << v(r.cl_ord_id);
        o.leaves = 0;
        o.done = true;
      } else {
        ADD_FAILURE() << "unexpected exec_type " << int(r.exec_type);
      }
    }
    for (const auto& [id, o] : orders) {
      if (o.done) continue;
      auto& level = resting[o.sym][{o.side, o.price}];
      level.first += o.leaves;
      level.second += 1;
    }
  }
  for (const auto& [m, n] : sides_of_match) EXPECT_EQ(n, 2) << "match " << m / 2 << " seen on " << n << " side(s)";
  EXPECT_GT(accepted, static_cast<size_t>(kThreads * kOrders / 2));
  EXPECT_GT(fills, 100u);
  for (const char* sym : {"XA", "XB"}) {
    // The book the reports imply: bids best (highest) first, then asks lowest first.
    std::vector<p::BookLevel> implied;
    const auto& levels = resting[sym];
    for (auto it = levels.rbegin(); it != levels.rend(); ++it) {
      if (it->first.first != 0) continue;
      p::BookLevel l{};
      l.side = 0, l.price = it->first.second, l.price_exponent = -2, l.qty = it->second.first, l.orders = it->second.second;
      implied.push_back(l);
    }
    for (const auto& [key, v] : levels) {
      if (key.first != 1) continue;
      p::BookLevel l{};
      l.side = 1, l.price = key.second, l.price_exponent = -2, l.qty = v.first, l.orders = v.second;
      implied.push_back(l);
    }
    EXPECT_EQ(book_text(book(*admin, sym)), book_text(implied)) << sym;
  }
  admin->logout();
}

// ---- Account isolation -----------------------------------------------------

TEST_F(ServerTest, sessionCannotCancelOrModifyAnotherAccountsOrder) {
  start(venue_config("shards = 2\n"));
  auto alice = logon(server_.port(), "alice", false);
  auto bob = logon(server_.port(), "bob", false);
  ASSERT_TRUE(alice && bob);
  add_symbol(*alice, "ISO");  // shard 0
  add_symbol(*alice, "BF");   // shard 1
  ASSERT_TRUE(alice->send(order(7, "ISO", p::Side::buy, 10, 10000)));
  ASSERT_TRUE(alice->send(order(8, "BF", p::Side::sell, 5, 10100)));
  Collected a = sync(*alice, 1);
  ASSERT_TRUE(a.ok) << a.error;
  std::sort(a.reports.begin(), a.reports.end(),
            [](const p::ExecutionReport& x, const p::ExecutionReport& y) { return x.cl_ord_id < y.cl_ord_id; });
  ASSERT_EQ(exec_types(a.reports), "7:0 8:0 ");  // two shards: either order

  ASSERT_TRUE(bob->send(p::CancelOrder{0, 7}));
  p::ModifyOrder mod{};
  mod.cl_ord_id = 7;
  mod.qty = 1;
  mod.price = p::kNullInt64;
  ASSERT_TRUE(bob->send(mod));
  ASSERT_TRUE(bob->send(p::MassCancel{}));  // every symbol, bob's account only
  Collected b = sync(*bob, 1);
  ASSERT_TRUE(b.ok) << b.error;
  ASSERT_EQ(b.reports.size(), 2u) << exec_types(b.reports);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(v(b.reports[i].cl_ord_id), 7u);
    EXPECT_EQ(v(b.reports[i].exec_type), static_cast<uint8_t>(p::ExecType::rejected));
    EXPECT_EQ(v(b.reports[i].reject_reason), static_cast<uint8_t>(p::RejectCode::unknown_order));
    EXPECT_EQ(v(b.reports[i].engine_seq), 0u);
    EXPECT_EQ(v(b.reports[i].order_id), 0u);
    EXPECT_EQ(v(b.reports[i].command), i == 0 ? 2 : 3);
  }
  ASSERT_EQ(b.mass.size(), 1u);
  EXPECT_EQ(v(b.mass[0].cancelled), 0u);
  Collected a2 = sync(*alice, 2);
  ASSERT_TRUE(a2.ok) << a2.error;
  EXPECT_EQ(exec_types(a2.reports), "") << "alice received reports for bob's requests";
  EXPECT_EQ(book_text(book(*bob, "ISO")), "bid 10000e-2 x 10 (1)\n");
  EXPECT_EQ(book_text(book(*bob, "BF")), "ask 10100e-2 x 5 (1)\n");

  // Bob trades with it: each side hears only about its own order.
  ASSERT_TRUE(bob->send(order(7, "ISO", p::Side::sell, 4, 10000)));
  Collected b2 = sync(*bob, 2);
  Collected a3 = sync(*alice, 3);
  ASSERT_TRUE(b2.ok && a3.ok);
  EXPECT_EQ(exec_types(b2.reports), "7:0 7:2 ");
  EXPECT_EQ(exec_types(a3.reports), "7:1 ");
  ASSERT_EQ(a3.reports.size(), 1u);
  EXPECT_EQ(v(a3.reports[0].order_id) >> 32, alice->session_id());
  EXPECT_EQ(v(a3.reports[0].leaves_qty), 6);

  // A second session of alice's account may mass-cancel them (on both
  // shards); the owner session hears.
  auto alice2 = logon(server_.port(), "alice", false);
  ASSERT_TRUE(alice2);
  ASSERT_TRUE(alice2->send(p::MassCancel{}));
  Collected m = sync(*alice2, 1);
  ASSERT_TRUE(m.ok) << m.error;
  ASSERT_EQ(m.mass.size(), 1u);
  EXPECT_EQ(v(m.mass[0].cancelled), 2u);
  EXPECT_EQ(exec_types(m.reports), "");
  Collected a4 = sync(*alice, 4);
  ASSERT_TRUE(a4.ok);
  std::sort(a4.reports.begin(), a4.reports.end(),
            [](const p::ExecutionReport& x, const p::ExecutionReport& y) { return x.cl_ord_id < y.cl_ord_id; });
  ASSERT_EQ(exec_types(a4.reports), "7:3 8:3 ");  // shard order is free
  EXPECT_EQ(v(a4.reports[0].cancel_reason), 1);  // user
  EXPECT_EQ(v(a4.reports[0].qty), 6);
  EXPECT_EQ(v(a4.reports[1].cancel_reason), 1);
  EXPECT_EQ(v(a4.reports[1].qty), 5);
  EXPECT_EQ(book_text(book(*bob, "ISO")), "");
  EXPECT_EQ(book_text(book(*bob, "BF")), "");
  alice->logout();
  alice2->logout();
  bob->logout();
}

// ---- Shutdown with sessions open ------------------------------------------

TEST_F(ServerTest, sigtermLogsEveryOpenSessionOutWithShutdownAndExitsZero) {
  start(venue_config("shards = 2\n"));
  constexpr int kSessions = 4;
  std::vector<std::unique_ptr<Session>> s;
  for (int i = 0; i < kSessions; ++i) {
    s.push_back(logon(server_.port(), "acct" + std::to_string(i), i % 2 == 0));
    ASSERT_TRUE(s.back());
  }
  add_symbol(*s[0], "SD");
  // Acknowledged orders: resting and trading across sessions.
  for (int i = 0; i < kSessions; ++i) {
    for (int k = 0; k < 10; ++k) {
      ASSERT_TRUE(s[static_cast<size_t>(i)]->send(order(static_cast<uint64_t>(i * 100 + k), "SD",
                                                        i % 2 == 0 ? p::Side::buy : p::Side::sell, 5,
                                                        10000 + (i % 2 == 0 ? -k % 3 : k % 3))));
    }
  }
  std::vector<Collected> before;
  for (int i = 0; i < kSessions; ++i) before.push_back(sync(*s[static_cast<size_t>(i)], 1));
  for (auto& c : before) ASSERT_TRUE(c.ok) << c.error;
  // Unacknowledged ones in flight when the signal comes.
  for (int i = 0; i < kSessions; ++i) {
    for (int k = 10; k < 20; ++k) {
      ASSERT_TRUE(s[static_cast<size_t>(i)]->send(order(static_cast<uint64_t>(i * 100 + k), "SD",
                                                        i % 2 == 0 ? p::Side::buy : p::Side::sell, 5, 10000)));
    }
  }
  ASSERT_EQ(::kill(server_.pid(), SIGTERM), 0);
  std::map<uint64_t, int> match_sides;
  for (int i = 0; i < kSessions; ++i) {
    Session& x = *s[static_cast<size_t>(i)];
    Collected c;
    for (;;) {
      Frame f;
      RecvStatus st = x.receive(f, kTimeoutMs);
      ASSERT_EQ(st, RecvStatus::frame) << "session " << i << " ended without a Logout: " << x.error();
      take(f, c);
      if (c.logout) break;
    }
    EXPECT_EQ(v(c.logout->reason), static_cast<uint8_t>(p::LogoutReason::shutdown)) << "session " << i;
    EXPECT_EQ(p::field_view(c.logout->text), "the venue is shutting down");
    Frame f;
    EXPECT_EQ(x.receive(f, kTimeoutMs), RecvStatus::closed) << "something after the Logout";
    // Every order of this session the engine saw was reported in full: a
    // trade report of one side implies the other side's (checked below).
    for (const auto* list : {&before[static_cast<size_t>(i)].reports, &c.reports}) {
      for (const auto& r : *list) {
        if (r.exec_type == 1 || r.exec_type == 2) ++match_sides[v(r.match_id)];
      }
    }
  }
  for (const auto& [m, n] : match_sides) EXPECT_EQ(n, 2) << "match " << m << " reported on " << n << " side(s)";
  EXPECT_FALSE(match_sides.empty());
  const int st = server_.signal_and_wait(0, 15000);  // already signalled: just wait
  EXPECT_TRUE(exited_zero(st)) << describe_status(st);
  EXPECT_EQ(server_.count_log("received SIGTERM"), 1u);
  EXPECT_EQ(server_.count_log(": logout 11: the venue is shutting down"), static_cast<size_t>(kSessions));
  EXPECT_EQ(server_.count_log("stopped: 4 sessions"), 1u);
  allowed_ = {"session # account '*' from 127.0.0.1:#: logout 11: the venue is shutting down"};
}


// ---- A client killed with SIGKILL ------------------------------------------

/// Forks a client that logs on as `victim`, rests kReady buy orders at 95.00
/// (acknowledged), tells the parent, then keeps sending more until killed.
pid_t fork_streaming_client(uint16_t port, bool cancel_on_disconnect, int& ready_fd) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid != 0) {
    ::close(fds[1]);
    ready_fd = fds[0];
    return pid;
  }
  ::close(fds[0]);
  Session s;
  if (!s.connect("127.0.0.1", port) ||
      s.logon("victim", "pw", 1000, cancel_on_disconnect).status != client::LogonResult::Status::ok) {
    ::_exit(3);
  }
  for (uint64_t id = 1; id <= 20; ++id) {
    if (!s.send(order(id, "KL", p::Side::buy, 1, 9500))) ::_exit(4);
  }
  if (!sync(s, 1).ok) ::_exit(5);
  if (::write(fds[1], "R", 1) != 1) ::_exit(6);
  for (uint64_t id = 21;; ++id) {  // mid-stream until killed
    if (!s.send(order(id, "KL", p::Side::buy, 1, 9500))) ::_exit(7);
    ::usleep(200);
  }
}

void kill_client_mid_stream(ServerTest& t, ServerProcess& server, bool cancel_on_disconnect) {
  auto observer = logon(server.port(), "observer", false);
  auto other = logon(server.port(), "other", false);
  ASSERT_TRUE(observer && other);
  add_symbol(*observer, "KL");
  ASSERT_TRUE(observer->send(order(1, "KL", p::Side::buy, 10, 9600)));
  ASSERT_TRUE(sync(*observer, 1).ok);
  int ready = -1;
  const pid_t pid = fork_streaming_client(server.port(), cancel_on_disconnect, ready);
  ASSERT_GT(pid, 0);
  char c = 0;
  const bool got_ready = ::read(ready, &c, 1) == 1;
  ::close(ready);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ::kill(pid, SIGKILL);
  int st = 0;
  ::waitpid(pid, &st, 0);
  ASSERT_TRUE(got_ready) << "the client child " << describe_status(st) << " before resting its orders";
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << describe_status(st);
  bool ended = false;
  for (int i = 0; i < 1000 && !ended; ++i) {
    ended = server.count_log("account 'victim': disconnected") + server.count_log("account 'victim': connection ended") == 1;
    if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(ended) << "the server did not log the killed client's disconnect\n" << server.log();
  if (cancel_on_disconnect) {
    ASSERT_TRUE(server.wait_for_log("cancel on disconnect", 10000)) << server.log();
  }
  // The server keeps serving: a trade between the two other sessions.
  ASSERT_TRUE(other->send(order(2, "KL", p::Side::sell, 3, 9600)));
  Collected o = sync(*other, 1);
  Collected w = sync(*observer, 2);
  ASSERT_TRUE(o.ok && w.ok) << o.error << w.error;
  EXPECT_EQ(exec_types(o.reports), "2:0 2:2 ");
  EXPECT_EQ(exec_types(w.reports), "1:1 ");
  const std::vector<p::BookLevel> levels = book(*observer, "KL");
  if (cancel_on_disconnect) {
    EXPECT_EQ(book_text(levels), "bid 9600e-2 x 7 (1)\n") << "the killed client's orders are not all cancelled";
  } else {
    ASSERT_EQ(levels.size(), 2u) << book_text(levels);
    EXPECT_EQ(book_text({levels[0]}), "bid 9600e-2 x 7 (1)\n");
    EXPECT_EQ(v(levels[1].price), 9500);
    EXPECT_GE(v(levels[1].orders), 20u) << "the killed client's acknowledged orders are not all on the book";
    EXPECT_EQ(v(levels[1].qty), static_cast<int64_t>(v(levels[1].orders)));
  }
  observer->logout();
  other->logout();
  t.allowed().push_back("session # account 'victim': disconnected: *");
  t.allowed().push_back("session # account 'victim': connection ended inside a frame *");
}

TEST_F(ServerTest, killedClientsOrdersAreCancelledWithCancelOnDisconnect) {
  start(venue_config("shards = 1\n"));
  kill_client_mid_stream(*this, server_, true);
}

TEST_F(ServerTest, killedClientsOrdersStayWithoutCancelOnDisconnect) {
  start(venue_config("shards = 1\n"));
  kill_client_mid_stream(*this, server_, false);
}

// ---- Raw sockets -------------------------------------------------------------

int raw_connect(uint16_t port, int rcvbuf = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

template <class M>
bool raw_send(int fd, M m, uint64_t seq) {
  m.seq = seq;
  char frame[p::kFrameSize<M>];
  const size_t n = p::encode(m, frame);
  return ::send(fd, frame, n, MSG_NOSIGNAL) == static_cast<ssize_t>(n);
}

p::Logon logon_message(const char* account) {
  p::Logon l{};
  l.heartbeat_ms = 1000;
  (void)p::set_field(l.account, account);
  (void)p::set_field(l.password, "pw");
  return l;
}

/// Everything the server sends until it closes (or timeout): template ids and the Logout.
struct RawRead {
  std::vector<uint16_t> templates;
  std::optional<p::Logout> logout;
  bool closed = false;
  bool reset = false;  // closed by a reset (ECONNRESET): unread bytes were discarded
};

RawRead read_to_close(int fd, int timeout_ms) {
  RawRead r;
  std::string buf;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  timeval tv{0, 100000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char chunk[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      r.closed = true;
      r.reset = n < 0 && errno == ECONNRESET;
      break;
    }
    if (n > 0) buf.append(chunk, static_cast<size_t>(n));
  }
  size_t at = 0;
  for (;;) {
    const p::Decoded d = p::decode(buf.data() + at, buf.size() - at);
    if (d.status != p::DecodeStatus::frame) break;
    r.templates.push_back(d.template_id);
    if (d.template_id == static_cast<uint16_t>(p::TemplateId::logout)) r.logout = p::read<p::Logout>(d);
    at += d.frame_size;
  }
  return r;
}

TEST_F(ServerTest, garbageBytesGetLogoutMalformedFrameAndOthersAreStillServed) {
  start(venue_config("shards = 1\n"));
  auto good = logon(server_.port(), "good", false);
  ASSERT_TRUE(good);
  add_symbol(*good, "BF");

  // Logged on, then bytes that are no frame: "GARB" is a length far above 512.
  const int fd = raw_connect(server_.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(raw_send(fd, logon_message("raw"), 1));
  const char garbage[] = "GARBAGE BYTES, NOT A FRAME";
  ASSERT_EQ(::send(fd, garbage, sizeof garbage - 1, MSG_NOSIGNAL), static_cast<ssize_t>(sizeof garbage - 1));
  RawRead r = read_to_close(fd, 5000);
  ::close(fd);
  EXPECT_TRUE(r.closed) << "the server did not close the connection";
  ASSERT_EQ(r.templates, (std::vector<uint16_t>{2, 3})) << "expected LogonAck then Logout";
  EXPECT_EQ(v(r.logout->reason), static_cast<uint8_t>(p::LogoutReason::malformed_frame));
  EXPECT_EQ(p::field_view(r.logout->text), "frame length is above 512 (1195463234)");

  // Garbage as the very first bytes: the same.
  const int fd2 = raw_connect(server_.port());
  ASSERT_GE(fd2, 0);
  ASSERT_EQ(::send(fd2, garbage, sizeof garbage - 1, MSG_NOSIGNAL), static_cast<ssize_t>(sizeof garbage - 1));
  RawRead r2 = read_to_close(fd2, 5000);
  ::close(fd2);
  EXPECT_TRUE(r2.closed);
  ASSERT_EQ(r2.templates, (std::vector<uint16_t>{3}));
  EXPECT_EQ(v(r2.logout->reason), static_cast<uint8_t>(p::LogoutReason::malformed_frame));
  EXPECT_EQ(p::field_view(r2.logout->text), "frame length is above 512 (1195463234)");

  ASSERT_TRUE(good->send(order(1, "BF", p::Side::buy, 5, 10000)));
  Collected c = sync(*good, 1);
  ASSERT_TRUE(c.ok) << c.error;
  EXPECT_EQ(exec_types(c.reports), "1:0 ");
  good->logout();
  EXPECT_EQ(server_.count_log(": logout 6: "), 2u);
  allowed_ = {"session # account '*' from 127.0.0.1:#: logout 6: frame length is above 512 (1195463234)"};
}

TEST_F(ServerTest, sessionThatNeverReadsIsClosedAsSlowConsumerWhileOthersTrade) {
  start(venue_config("shards = 1\n", "outbound_buffer_bytes = 65536\n"));
  auto maker = logon(server_.port(), "maker", false);
  auto taker = logon(server_.port(), "taker", false);
  ASSERT_TRUE(maker && taker);
  add_symbol(*maker, "SC");
  // A deep book: each BookRequest is answered by 100 BookLevels (5 KB).
  for (uint64_t i = 0; i < 100; ++i) ASSERT_TRUE(maker->send(order(i + 1, "SC", p::Side::buy, 1000, 9000 - static_cast<int64_t>(i))));
  ASSERT_TRUE(sync(*maker, 1).ok);

  // Up to five slow sessions, one after the other: each is closed as a slow
  // consumer; at least one must get the Logout.
  uint64_t trade_id = 1000;
  int logouts = 0;
  for (int attempt = 1; attempt <= 5 && logouts == 0; ++attempt) {
    const std::string account = "slow" + std::to_string(attempt);
    const int fd = raw_connect(server_.port(), 4096);
    ASSERT_GE(fd, 0);
    uint64_t seq = 1;
    ASSERT_TRUE(raw_send(fd, logon_message(account.c_str()), seq++));
    p::BookRequest br{};
    (void)p::set_field(br.symbol, "SC");
    char frame[p::kFrameSize<p::BookRequest>];
    bool detected = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!detected && std::chrono::steady_clock::now() < deadline) {
      // Small batches with pauses, so that the server has read every request
      // when it gives up on the session (unread input would turn its close
      // into a reset, which discards what the client has not read yet).
      for (int k = 0; k < 20; ++k) {
        br.seq = seq;
        const size_t n = p::encode(br, frame);
        if (::send(fd, frame, n, MSG_NOSIGNAL | MSG_DONTWAIT) != static_cast<ssize_t>(n)) break;  // a partial frame never
        ++seq;
      }
      // Meanwhile the others keep trading.
      ASSERT_TRUE(taker->send(order(++trade_id, "SC", p::Side::sell, 1, 5000, p::Tif::ioc)));
      Collected c = sync(*taker, trade_id);
      ASSERT_TRUE(c.ok) << c.error;
      detected = server_.count_log("account '" + account + "': closed: slow_consumer") == 1;
      if (!detected) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(detected) << "no slow_consumer after " << seq << " BookRequests\n" << server_.log();
    // It starts reading now, within the server's 2 s grace for the last
    // bytes: it gets what was queued, then the best-effort Logout
    // slow_consumer as the last frame, then the connection ends.
    RawRead r = read_to_close(fd, 10000);
    ::close(fd);
    EXPECT_TRUE(r.closed);
    ASSERT_FALSE(r.templates.empty());
    EXPECT_EQ(r.templates.front(), 2u);  // LogonAck
    if (r.logout) {
      EXPECT_EQ(r.templates.back(), 3u) << "frames after the Logout";
      EXPECT_EQ(v(r.logout->reason), static_cast<uint8_t>(p::LogoutReason::slow_consumer));
      EXPECT_TRUE(line_matches("# bytes unsent, limit 65536", p::field_view(r.logout->text)))
          << p::field_view(r.logout->text);
      logouts += 1;
    } else {
      // The server may close with requests of ours still unread (sent after
      // it gave up on us): the kernel then resets the connection and drops
      // what we had not read, the Logout too.
      std::cout << "slow consumer " << account << ": no Logout after " << r.templates.size() << " frames (reset "
                << r.reset << ")\n";
    }
  }
  EXPECT_GE(logouts, 1) << "no slow session received its Logout slow_consumer";
  // Still trading after it: the taker's IOC fills the best bid left.
  ASSERT_TRUE(taker->send(order(1, "SC", p::Side::sell, 1, 5000, p::Tif::ioc)));
  Collected c = sync(*taker, 1);
  ASSERT_TRUE(c.ok) << c.error;
  EXPECT_EQ(exec_types(c.reports), "1:0 1:2 ");
  Collected m = sync(*maker, 2);
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_GE(m.reports.size(), 2u);
  maker->logout();
  taker->logout();
  allowed_ = {"session # account 'slow#': closed: slow_consumer (# bytes unsent, limit 65536)"};
}

// SIGTERM while one connection never logged on and another never reads
// (its socket buffers full of BookLevels): both are ended, the first with
// Logout shutdown, and the server still exits 0 within its 2 s grace.
TEST_F(ServerTest, sigtermWithAnUnloggedConnectionAndAReaderThatNeverReadsExitsZero) {
  start(venue_config("shards = 1\n"));
  auto maker = logon(server_.port(), "maker", false);
  ASSERT_TRUE(maker);
  add_symbol(*maker, "ST");
  for (uint64_t i = 0; i < 100; ++i) ASSERT_TRUE(maker->send(order(i + 1, "ST", p::Side::buy, 1, 9000 - static_cast<int64_t>(i))));
  ASSERT_TRUE(sync(*maker, 1).ok);
  const int idle = raw_connect(server_.port());
  const int stuck = raw_connect(server_.port(), 4096);
  ASSERT_GE(idle, 0);
  ASSERT_GE(stuck, 0);
  ASSERT_TRUE(raw_send(stuck, logon_message("stuck"), 1));
  p::BookRequest br{};
  (void)p::set_field(br.symbol, "ST");
  // 3 MB of answers: more than the kernel buffers, less than the 4 MiB outbound limit.
  for (uint64_t seq = 2; seq < 602; ++seq) ASSERT_TRUE(raw_send(stuck, br, seq));
  ASSERT_TRUE(server_.wait_for_log("account 'stuck' from", 5000));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = std::chrono::steady_clock::now();
  const int st = server_.signal_and_wait(SIGTERM, 10000);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(exited_zero(st)) << describe_status(st);
  EXPECT_LT(took, 6000) << "ms to exit";
  RawRead r = read_to_close(idle, 2000);
  EXPECT_TRUE(r.closed);
  ASSERT_EQ(r.templates, (std::vector<uint16_t>{3}));
  EXPECT_EQ(v(r.logout->reason), static_cast<uint8_t>(p::LogoutReason::shutdown));
  ::close(idle);
  ::close(stuck);
  Frame f;
  RecvStatus rs = maker->receive(f, 2000);
  ASSERT_EQ(rs, RecvStatus::frame) << maker->error();
  ASSERT_TRUE(f.is<p::Logout>());
  EXPECT_EQ(v(f.as<p::Logout>().reason), static_cast<uint8_t>(p::LogoutReason::shutdown));
  allowed_ = {"session # account '*' from 127.0.0.1:#: logout 11: the venue is shutting down"};
}

}  // namespace
}  // namespace rialto::e2e

namespace rialto::e2e {
namespace {

// The fixture's checks can fail: a crashed server and an unexpected log line
// are both reported by finish().
TEST(ServerProcessCheck, finishReportsACrashAndAnUnexpectedLogLine) {
  {
    ServerProcess server;
    std::string error;
    ASSERT_TRUE(server.start(venue_config("shards = 1\n"), error)) << error;
    // SIGKILL: under ASan a SIGSEGV would be caught and turned into exit 1.
    ASSERT_EQ(::kill(server.pid(), SIGKILL), 0);
    ASSERT_TRUE(server.wait_for_log("listening", 1000));
    // Wait for the death without reaping it, so finish() still finds it: a
    // fixed sleep is a guess (100 ms was too short for a ThreadSanitizer build).
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(server.pid()), &info, WEXITED | WNOWAIT), 0);
    const std::string problems = server.finish();
    EXPECT_NE(problems.find("the server exited by itself during the test (killed by signal 9"), std::string::npos)
        << problems;
  }
  {
    ServerProcess server;
    std::string error;
    ASSERT_TRUE(server.start(venue_config("shards = 1\n"), error)) << error;
    const int fd = raw_connect(server.port());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, "XXXXXXXX", 8, MSG_NOSIGNAL), 8);
    (void)read_to_close(fd, 5000);
    ::close(fd);
    const std::string problems = server.finish();
    EXPECT_NE(problems.find("unexpected server log line: rialto serve: session 1 account '' from 127.0.0.1:"),
              std::string::npos)
        << problems;
  }
}

}  // namespace
}  // namespace rialto::e2e

namespace rialto::e2e {
namespace {

TEST(ServerProcessCheck, logPatternsMatchWholeLinesOnly) {
  EXPECT_TRUE(line_matches("session # account '*': logged out", "session 12 account 'a b': logged out"));
  EXPECT_FALSE(line_matches("session # account '*': logged out", "session 12 account 'a': logged out!"));
  EXPECT_FALSE(line_matches("session # x", "session  x"));
  EXPECT_FALSE(line_matches("session # x", "session 1a x"));
  EXPECT_TRUE(line_matches("limit (#)", "limit (65536)"));
  EXPECT_FALSE(line_matches("stopped: #", "stopped: 1 sessions"));
}

}  // namespace
}  // namespace rialto::e2e
