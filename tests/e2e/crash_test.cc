// kill -9 under load, many cycles on one data directory: three accounts
// drive new/cancel/modify over three symbols on two shards at a steady rate
// against `rialto serve --data-dir D` (journal policy fsync); at a seeded
// random moment the server is SIGKILLed. Every execution report a client
// received before the kill must be backed by the journal: `rialto replay D`
// holds the matching event (accepted / trade / cancelled / modified). The
// restarted server's recovered output hash must equal the replay's, and its
// books must equal the books the replay's book_update events imply. Then
// more load on the recovered state and the next kill.
//
// A SIGKILL loses what the process held, not what it wrote: this catches an
// output released before its input reached write(2) (the group-commit
// buffer), not one released before fdatasync. Power loss is simulated in
// tests/shard/durability_test.cc (MemFs keeps only fdatasync'ed bytes).
//
// RIALTO_CRASH_CYCLES (default 8) and RIALTO_CRASH_SEED (default: from the
// clock; printed) set the run; scripts/crash_test.sh runs the long version.
#include <poll.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string_view>
#include <unordered_set>
#include <sstream>

#include "order_entry.h"
#include "process.h"

namespace rialto::e2e {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kSymbols = {"ACME", "BOLT", "CRUX"};
const std::vector<std::string> kAccounts = {"alice", "bob", "carol"};
constexpr uint32_t kShards = 2;

const std::vector<std::string> kAllowed = {
    "data directory *, journal policy fsync",
    "shard #: recovered to journal seq # (# records replayed), output hash *",
    "shard #: WARNING: *: torn record at offset # (*), the last of the journal: dropped; *",
    "shard #: journal seq #, output hash *",
    "recovery: # journaled inputs replayed in # ms",
    "recovered # instrument(s), # account(s), # resting order(s) in # earlier session(s)",
    "session # account '*': adopted # order(s) recovered from before the restart",
    "session # account '*': instrument '*' added on shard #",
    "session # account '*': instrument '*' not added (status 1)",  // unchanged: defined before the restart
};

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

/// One report as the client received it.
struct Seen {
  std::string account;
  uint64_t cl = 0;
  uint64_t order_id = 0;
  uint8_t exec = 0;
  int64_t last_qty = 0, qty = 0, leaves = 0, price = 0;
  uint64_t match = 0;
  std::string symbol;
};

std::string describe(const Seen& s) {
  return s.account + " cl=" + std::to_string(s.cl) + " id=" + std::to_string(s.order_id) +
         " exec=" + std::to_string(s.exec) + " last=" + std::to_string(s.last_qty) + " match=" +
         std::to_string(s.match) + " qty=" + std::to_string(s.qty) + " leaves=" + std::to_string(s.leaves) +
         " px=" + std::to_string(s.price) + " sym=" + s.symbol;
}

/// `key=value` of a replay event line (0 when absent).
uint64_t field(std::string_view line, std::string_view key) {
  size_t at = 0;
  while ((at = line.find(key, at)) != std::string_view::npos) {
    if (at > 0 && line[at - 1] == ' ' && at + key.size() < line.size() && line[at + key.size()] == '=') {
      uint64_t v = 0;
      for (size_t i = at + key.size() + 1; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
        v = v * 10 + static_cast<uint64_t>(line[i] - '0');
      }
      return v;
    }
    at += key.size();
  }
  return 0;
}

/// The event type: the word after the seq.
std::string_view type_of(std::string_view line) {
  const size_t a = line.find(' ');
  if (a == std::string_view::npos) return {};
  const size_t b = line.find(' ', a + 1);
  return line.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1);
}

/// What `rialto replay D` says happened, indexed for the checks.
struct Replayed {
  std::unordered_set<std::string> facts;                 // "accepted ID QTY PX", "trade ID MATCH QTY", ...
  std::map<uint32_t, std::string> hash_line;    // shard -> "N records ..., output hash H"
  std::map<uint32_t, std::string> hash;         // shard -> H
  std::map<uint32_t, uint64_t> last_seq;        // shard -> N
  // (shard, engine symbol) -> side/price -> (qty, orders), from the last book_update of each level
  std::map<std::pair<uint32_t, uint64_t>, std::map<std::pair<int, int64_t>, std::pair<uint64_t, uint64_t>>> books;
  std::map<uint64_t, std::pair<uint32_t, uint64_t>> symbol_of_order;  // accepted id -> (shard, engine symbol)
  uint64_t events = 0;
};

Replayed parse_replay(const std::string& out) {
  Replayed r;
  std::vector<std::string_view> pending;
  const std::string_view all(out);
  for (size_t at = 0; at < all.size();) {
    size_t end = all.find('\n', at);
    if (end == std::string_view::npos) end = all.size();
    const std::string_view l = all.substr(at, end - at);
    at = end + 1;
    if (l.rfind("# shard ", 0) != 0) {
      pending.push_back(l);
      continue;
    }
    const auto k = static_cast<uint32_t>(std::strtoul(l.data() + 8, nullptr, 10));
    if (l.find(" records") == std::string_view::npos) continue;  // "from snapshot"
    const size_t h = l.find("output hash ");
    r.hash[k] = h == std::string_view::npos ? "" : std::string(l.substr(h + 12));
    r.hash_line[k] = std::string(l);
    const size_t dots = l.find("..");
    r.last_seq[k] = dots == std::string_view::npos ? 0 : std::strtoull(l.data() + dots + 2, nullptr, 10);
    for (const std::string_view e : pending) {
      ++r.events;
      const std::string_view type = type_of(e);
      const uint64_t id = field(e, "id"), sym = field(e, "sym");
      if (type == "accepted") {
        r.facts.insert("accepted " + std::to_string(id) + " " + std::to_string(field(e, "qty")) + " " +
                       std::to_string(field(e, "px")));
        r.symbol_of_order[id] = {k, sym};
      } else if (type == "trade") {
        const std::string tail = " " + std::to_string(field(e, "match")) + " " + std::to_string(field(e, "qty"));
        r.facts.insert("trade " + std::to_string(id) + tail);
        r.facts.insert("trade " + std::to_string(field(e, "maker")) + tail);
      } else if (type == "cancelled") {
        r.facts.insert("cancelled " + std::to_string(id) + " " + std::to_string(field(e, "qty")));
      } else if (type == "modified") {
        r.facts.insert("modified " + std::to_string(id) + " " + std::to_string(field(e, "qty")) + " " +
                       std::to_string(field(e, "px")));
      } else if (type == "book_update") {
        const int side = e.find(" side=buy") != std::string_view::npos ? 0 : 1;
        r.books[{k, sym}][{side, static_cast<int64_t>(field(e, "px"))}] = {field(e, "qty"), field(e, "count")};
      }
    }
    pending.clear();
  }
  return r;
}

/// The journal fact a report claims; "" for reports that change nothing (rejects).
std::string fact_of(const Seen& s) {
  switch (static_cast<p::ExecType>(s.exec)) {
    case p::ExecType::new_order:
      return "accepted " + std::to_string(s.order_id) + " " + std::to_string(s.qty) + " " + std::to_string(s.price);
    case p::ExecType::partially_filled:
    case p::ExecType::filled:
      return "trade " + std::to_string(s.order_id) + " " + std::to_string(s.match) + " " + std::to_string(s.last_qty);
    case p::ExecType::cancelled:
      return "cancelled " + std::to_string(s.order_id) + " " + std::to_string(s.qty);
    case p::ExecType::replaced:
      return "modified " + std::to_string(s.order_id) + " " + std::to_string(s.qty) + " " + std::to_string(s.price);
    case p::ExecType::rejected:
      return "";
  }
  return "?";
}

/// The book of `sym` implied by the replay, in book_text's format.
std::string implied_book(const Replayed& r, std::pair<uint32_t, uint64_t> key) {
  auto it = r.books.find(key);
  if (it == r.books.end()) return "";
  std::string bids, asks;
  for (auto l = it->second.rbegin(); l != it->second.rend(); ++l) {  // bids: highest first
    if (l->first.first == 0 && l->second.first > 0) {
      bids += "bid " + std::to_string(l->first.second) + "e-2 x " + std::to_string(l->second.first) + " (" +
              std::to_string(l->second.second) + ")\n";
    }
  }
  for (const auto& [k, lv] : it->second) {  // asks: lowest first
    if (k.first == 1 && lv.first > 0) {
      asks += "ask " + std::to_string(k.second) + "e-2 x " + std::to_string(lv.first) + " (" +
              std::to_string(lv.second) + ")\n";
    }
  }
  return bids + asks;
}

/// One account's client: a non-blocking session and the orders it believes live.
struct Trader {
  std::string account;
  std::unique_ptr<client::Session> session;
  std::map<uint64_t, std::string> live;  // cl -> symbol, from its reports
  bool open = false;
};

struct Totals {
  uint64_t reports = 0, acknowledged = 0, fills = 0, cancels = 0, modifies = 0, checked = 0;
};

class CrashRun {
 public:
  CrashRun(std::string dir, uint64_t seed) : dir_(std::move(dir)), rng_(seed) {}

  /// Starts on the data directory (checking the previous kill when n > 0),
  /// then either loads and kills it or, with `last`, stops it cleanly.
  void cycle(int n, bool last) {
    ServerProcess server;
    std::string error;
    ASSERT_TRUE(server.start(config(), error, {"--data-dir", dir_})) << "cycle " << n << ": " << error;
    if (n > 0) check_recovered(server, n, last);
    if (::testing::Test::HasFailure()) return;
    if (last) {
      EXPECT_EQ(server.finish(kAllowed), "");
      return;
    }
    std::vector<Trader> traders;
    for (const auto& a : kAccounts) {
      Trader t;
      t.account = a;
      t.live = live_[a];
      t.session = logon(server.port(), a);
      ASSERT_TRUE(t.session) << "cycle " << n;
      t.open = true;
      traders.push_back(std::move(t));
    }
    // (Re-)define the symbols: `added` the first time, `unchanged` after.
    for (const auto& sym : kSymbols) ASSERT_TRUE(traders[0].session->send(add_instrument(sym)));
    const Answers def = sync(*traders[0].session, 1);
    ASSERT_TRUE(def.ok) << def.error;
    ASSERT_EQ(def.instruments.size(), kSymbols.size());
    for (const auto& i : def.instruments) {
      EXPECT_EQ(v(i.status), static_cast<uint8_t>(n == 0 ? p::InstrumentStatus::added : p::InstrumentStatus::unchanged));
    }
    for (auto& t : traders) t.session->set_blocking(false);
    load(server, traders, n);
    for (auto& t : traders) live_[t.account] = t.live;
  }

  [[nodiscard]] const Totals& totals() const { return totals_; }

 private:
  static std::string config() { return venue_config("shards = " + std::to_string(kShards) + "\n"); }

  /// A random message for `t` at steady pace; cl ids never repeat within an account.
  bool send_one(Trader& t) {
    std::uniform_int_distribution<int> pick(0, 99);
    const int what = pick(rng_);
    if (what < 15 && !t.live.empty()) {
      auto it = t.live.begin();
      std::advance(it, std::uniform_int_distribution<size_t>(0, t.live.size() - 1)(rng_));
      return t.session->send(cancel_order(it->first));
    }
    if (what < 30 && !t.live.empty()) {
      auto it = t.live.begin();
      std::advance(it, std::uniform_int_distribution<size_t>(0, t.live.size() - 1)(rng_));
      return t.session->send(modify_order(it->first, std::uniform_int_distribution<int64_t>(1, 20)(rng_),
                                          std::uniform_int_distribution<int64_t>(9990, 10010)(rng_)));
    }
    const std::string& sym = kSymbols[std::uniform_int_distribution<size_t>(0, kSymbols.size() - 1)(rng_)];
    const bool buy = pick(rng_) < 50;
    // Buys around 99.95, sells around 100.05: most rest, some cross.
    const int64_t px = buy ? std::uniform_int_distribution<int64_t>(9985, 10002)(rng_)
                           : std::uniform_int_distribution<int64_t>(9998, 10015)(rng_);
    return t.session->send(limit_order(++next_cl_, sym, buy ? p::Side::buy : p::Side::sell,
                                       std::uniform_int_distribution<int64_t>(1, 20)(rng_), px));
  }

  void take(Trader& t, const p::ExecutionReport& r) {
    Seen s;
    s.account = t.account;
    s.cl = r.cl_ord_id;
    s.order_id = r.order_id;
    s.exec = r.exec_type;
    s.last_qty = r.last_qty;
    s.qty = r.qty;
    s.leaves = r.leaves_qty;
    s.price = r.price;
    s.match = r.match_id;
    s.symbol = std::string(p::field_view(r.symbol));
    seen_.push_back(s);
    ++totals_.reports;
    switch (static_cast<p::ExecType>(s.exec)) {
      case p::ExecType::new_order:
        ++totals_.acknowledged;
        t.live[s.cl] = s.symbol;
        break;
      case p::ExecType::partially_filled:
        ++totals_.fills;
        break;
      case p::ExecType::filled:
        ++totals_.fills;
        t.live.erase(s.cl);
        break;
      case p::ExecType::cancelled:
        ++totals_.cancels;
        t.live.erase(s.cl);
        break;
      case p::ExecType::replaced:
        ++totals_.modifies;
        break;
      case p::ExecType::rejected:
        // unknown_order: the order is gone (filled or cancelled in a report lost to a kill).
        if (r.reject_reason == static_cast<uint8_t>(p::RejectCode::unknown_order)) t.live.erase(s.cl);
        break;
    }
  }

  /// Drains every session; false when one closed.
  void drain(std::vector<Trader>& traders) {
    for (auto& t : traders) {
      if (!t.open) continue;
      for (;;) {
        client::Frame f;
        const client::RecvStatus st = t.session->try_receive(f);
        if (st == client::RecvStatus::frame) {
          if (f.is<p::ExecutionReport>()) take(t, f.as<p::ExecutionReport>());
          continue;
        }
        if (st != client::RecvStatus::would_block) t.open = false;
        break;
      }
    }
  }

  void load(ServerProcess& server, std::vector<Trader>& traders, int n) {
    // 1 message every 250 us over the sessions in turn (4000/s), killed 150..650 ms in.
    const auto kill_at = Clock::now() + std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 650)(rng_));
    auto next_send = Clock::now();
    size_t turn = 0;
    while (Clock::now() < kill_at) {
      if (Clock::now() >= next_send) {
        Trader& t = traders[turn++ % traders.size()];
        if (t.open && !t.session->wants_write()) {
          ASSERT_TRUE(send_one(t)) << "cycle " << n << ": " << t.session->error();
        }
        next_send += std::chrono::microseconds(250);
      }
      std::vector<pollfd> fds;
      for (auto& t : traders) {
        if (!t.open) continue;
        (void)t.session->flush();
        fds.push_back({t.session->fd(), static_cast<short>(POLLIN | (t.session->wants_write() ? POLLOUT : 0)), 0});
      }
      // Sleep in poll until a report arrives or the next send is due.
      const auto now = Clock::now();
      const auto until = std::min(next_send, kill_at);
      const auto wait_ns = until > now ? std::chrono::duration_cast<std::chrono::nanoseconds>(until - now).count() : 0;
      const timespec ts{static_cast<time_t>(wait_ns / 1000000000), static_cast<long>(wait_ns % 1000000000)};
      (void)::ppoll(fds.data(), fds.size(), &ts, nullptr);
      drain(traders);
      for (auto& t : traders) {
        if (t.open) {
          ASSERT_TRUE(t.session->service(Clock::now())) << t.session->error();
        }
      }
    }
    const int st = server.signal_and_wait(SIGKILL, 5000);
    ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << "cycle " << n << ": " << describe_status(st);
    // What the server wrote before it died is in the sockets: received, so it counts.
    for (bool any = true; any;) {
      drain(traders);
      any = false;
      for (auto& t : traders) any = any || t.open;
      if (any) {
        std::vector<pollfd> fds;
        for (auto& t : traders) {
          if (t.open) fds.push_back({t.session->fd(), POLLIN, 0});
        }
        (void)::poll(fds.data(), fds.size(), 1000);
      }
    }
  }

  /// After a kill: the journal backs every report received; the restarted
  /// server's state is the replay's.
  void check_recovered(ServerProcess& server, int n, bool all) {
    const ProcessResult r = run_process({rialto_binary(), "replay", dir_}, "", 120000);
    ASSERT_TRUE(exited_zero(r.status)) << "cycle " << n << ": rialto replay " << describe_status(r.status) << ": " << r.err;
    const Replayed rp = parse_replay(r.out);
    ASSERT_EQ(rp.hash.size(), kShards) << r.out.substr(r.out.size() > 2000 ? r.out.size() - 2000 : 0);
    // (i) every report the clients received is in the journal.
    // The reports of the last lifetime; at the last start every report of
    // the run again (a later recovery must not have lost an earlier one).
    size_t missing = 0;
    for (size_t i = all ? 0 : checked_upto_; i < seen_.size(); ++i) {
      const Seen& s = seen_[i];
      const std::string f = fact_of(s);
      if (f.empty()) continue;
      ++totals_.checked;
      if (rp.facts.count(f) == 0) {
        if (++missing <= 10) ADD_FAILURE() << "cycle " << n << ": received but not in the journal: " << describe(s) << " (" << f << ")";
      }
    }
    ASSERT_EQ(missing, 0u) << "cycle " << n << ": reports the journal does not back";
    checked_upto_ = seen_.size();
    // (ii) the recovered state is the replay's: the same output hash and seq.
    for (uint32_t k = 0; k < kShards; ++k) {
      const std::string want = "rialto serve: shard " + std::to_string(k) + ": recovered to journal seq " +
                               std::to_string(rp.last_seq.at(k)) + " (" + std::to_string(rp.last_seq.at(k)) +
                               " records replayed), output hash " + rp.hash.at(k);
      bool found = false;
      for (const std::string& l : server.log_lines()) found = found || l == want;
      EXPECT_TRUE(found) << "cycle " << n << ": no line\n" << want << "\nreplay: " << rp.hash_line.at(k) << "\nlog:\n" << server.log();
    }
    // (iii) the books: BookRequest against the replay's book_update levels.
    std::map<std::string, std::pair<uint32_t, uint64_t>> engine_symbol;
    for (const Seen& s : seen_) {
      if (s.exec != static_cast<uint8_t>(p::ExecType::new_order)) continue;
      auto it = rp.symbol_of_order.find(s.order_id);
      if (it != rp.symbol_of_order.end()) engine_symbol[s.symbol] = it->second;
    }
    auto viewer = logon(server.port(), "viewer");
    ASSERT_TRUE(viewer);
    for (const auto& sym : kSymbols) {
      auto it = engine_symbol.find(sym);
      ASSERT_NE(it, engine_symbol.end()) << "cycle " << n << ": no acknowledged order on " << sym;
      EXPECT_EQ(book_text(*viewer, sym), implied_book(rp, it->second)) << "cycle " << n << ": book of " << sym;
    }
    viewer->logout();
  }

  std::string dir_;
  std::mt19937_64 rng_;
  uint64_t next_cl_ = 0;
  std::map<std::string, std::map<uint64_t, std::string>> live_;
  std::vector<Seen> seen_;  // every report of every cycle so far
  size_t checked_upto_ = 0;  // seen_[0, checked_upto_) were checked against a replay
  Totals totals_;
};

TEST(CrashTest, killNineUnderLoadLosesNoAcknowledgedOrderAndRecoversTheReplayedState) {
  const uint64_t cycles = env_or("RIALTO_CRASH_CYCLES", 8);
  const uint64_t seed =
      env_or("RIALTO_CRASH_SEED", static_cast<uint64_t>(Clock::now().time_since_epoch().count()) & 0xffffffffu);
  std::printf("crash test: %llu cycles, seed %llu (RIALTO_CRASH_SEED=%llu repeats it)\n",
              static_cast<unsigned long long>(cycles), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  std::string dir = (fs::temp_directory_path() / "rialto-crash-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const auto started = Clock::now();
  CrashRun run(dir, seed);
  // Start c checks the kill of cycle c-1; the last start only checks and stops.
  for (uint64_t c = 0; c <= cycles && !::testing::Test::HasFailure(); ++c) run.cycle(static_cast<int>(c), c == cycles);
  const Totals& t = run.totals();
  std::printf("crash test: %llu kills in %.1f s; %llu reports received (%llu orders acknowledged, %llu fills, %llu "
              "cancels, %llu modifies), %llu report checks against the journal, %s\n",
              static_cast<unsigned long long>(cycles),
              std::chrono::duration<double>(Clock::now() - started).count(),
              static_cast<unsigned long long>(t.reports), static_cast<unsigned long long>(t.acknowledged),
              static_cast<unsigned long long>(t.fills), static_cast<unsigned long long>(t.cancels),
              static_cast<unsigned long long>(t.modifies), static_cast<unsigned long long>(t.checked),
              ::testing::Test::HasFailure() ? "FAILED" : "0 lost");
  if (!::testing::Test::HasFailure()) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  } else {
    std::printf("crash test: data directory kept: %s\n", dir.c_str());
  }
}

}  // namespace
}  // namespace rialto::e2e
