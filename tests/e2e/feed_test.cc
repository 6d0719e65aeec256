// The market-data feed of a real `rialto serve`, end to end: ITCH 5.0 over
// SoupBinTCP subscribers against a random order flow from several
// client::Session connections (limits at a few prices on three symbols,
// cancels, modifies that keep and lose priority, crossing orders, IOC).
//
// - a subscriber logged in with sequence 0 before any order rebuilds, from the
//   feed alone, every level of every book the server answers to BookRequest,
//   names every symbol in its Stock Directory, and sees as Order Executed
//   exactly the makers' fills the clients were told about;
// - a second one logging in with 0 at a random point of the flow (snapshot,
//   then live) ends with the same books, order by order;
// - a third one logging in with sequence 1 after the flow receives every
//   sequenced message again, byte for byte.
//
// "Received everything" is End of Session: the server is stopped (SIGTERM)
// once every session's Sync is answered and the books are read, and the
// publisher sends each subscriber the rest of its log before it.
// The seed is printed; RIALTO_FEED_SEED replays one.
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "../mdfeed/subscriber.h"
#include "order_entry.h"
#include "process.h"
#include "rialto/config/venue_config.h"
#include "rialto/itch/book.h"
#include "rialto/itch/itch.h"

namespace rialto::e2e {
namespace {

using mdfeed::test::Received;
using mdfeed::test::Subscriber;
namespace soup = itch::soup;

constexpr int kOps = 450;
constexpr int kEndTimeoutMs = 10000;

/// A subscriber read on its own thread until End of Session (it sends a
/// Client Heartbeat every 500 ms meanwhile), then its socket is shut down.
class FeedReader {
 public:
  FeedReader(uint16_t port, uint64_t sequence) : sub_(port) {
    if (!sub_.connected()) return;
    sub_.login(sequence);
    thread_ = std::thread([this] { run(); });
  }
  ~FeedReader() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  FeedReader(const FeedReader&) = delete;
  FeedReader& operator=(const FeedReader&) = delete;

  [[nodiscard]] bool connected() const { return sub_.connected(); }

  /// Waits until an Add Order arrived as Sequenced Data (true) or timeout_ms.
  bool wait_for_live_add(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (live_adds_.load() == 0) {
      if (std::chrono::steady_clock::now() >= deadline || done_.load()) return live_adds_.load() > 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  /// Waits for the reading thread to end (End of Session, or the stream
  /// ended); true only at End of Session.
  bool join() {
    if (thread_.joinable()) thread_.join();
    return ended_;
  }

  // Valid after join().
  std::vector<Received> packets;
  std::string problem;

 private:
  void run() {
    auto last_beat = std::chrono::steady_clock::now();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!stop_ && std::chrono::steady_clock::now() < deadline) {
      Received r;
      if (sub_.next(&r, 100)) {
        packets.push_back(r);
        if (r.type == soup::PacketType::sequenced_data && !r.payload.empty() && r.payload[0] == 'A') ++live_adds_;
        if (r.type == soup::PacketType::end_of_session) {
          ended_ = true;
          break;
        }
      } else if (sub_.eof() || !sub_.error().empty()) {
        problem = sub_.eof() ? "the stream ended before End of Session" : "decode error: " + sub_.error();
        break;
      }
      if (std::chrono::steady_clock::now() - last_beat > std::chrono::milliseconds(500)) {
        sub_.heartbeat();
        last_beat = std::chrono::steady_clock::now();
      }
    }
    if (!ended_ && problem.empty()) problem = "no End of Session within 60 s";
    ::shutdown(sub_.fd(), SHUT_RDWR);
    done_ = true;
  }

  Subscriber sub_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<size_t> live_adds_{0};
  bool ended_ = false;
};

/// What one subscriber's packets add up to.
struct Feed {
  uint64_t accepted_sequence = 0;  // Login Accepted
  size_t logins_accepted = 0;
  std::vector<std::string> unsequenced;
  std::vector<std::string> sequenced;
  itch::Book book;
  std::vector<std::string> directory;  // Stock Directory names, in order
  std::multiset<std::tuple<std::string, uint64_t, uint32_t, uint32_t>> executions;  // stock, match, shares, price4
  std::string errors;  // decode and book errors, one per line
};

void apply(Feed& f, const std::string& payload, const char* what) {
  itch::Message m;
  const itch::DecodeStatus d = itch::decode(payload.data(), payload.size(), &m);
  if (!d.ok()) {
    f.errors += std::string(what) + ": " + d.message() + "\n";
    return;
  }
  if (const auto* r = std::get_if<itch::StockDirectory>(&m)) {
    std::string name(r->stock.data(), r->stock.size());
    name.erase(name.find_last_not_of(' ') + 1);
    f.directory.push_back(name + " lot=" + std::to_string(r->round_lot_size));
  }
  itch::Execution ex;
  const itch::ApplyStatus st = f.book.apply(m, &ex);
  if (!st.ok()) {
    f.errors += std::string(what) + ": " + st.message() + "\n";
    return;
  }
  if (std::holds_alternative<itch::OrderExecuted>(m)) {
    const itch::StockInfo* info = f.book.stock(ex.locate);
    f.executions.emplace(info != nullptr ? info->name : "?", ex.match_number, ex.shares, ex.price);
  }
}

Feed feed_of(const std::vector<Received>& packets) {
  Feed f;
  for (const Received& r : packets) {
    switch (r.type) {
      case soup::PacketType::login_accepted:
        f.accepted_sequence = r.sequence;
        ++f.logins_accepted;
        break;
      case soup::PacketType::unsequenced_data:
        if (!f.sequenced.empty()) f.errors += "unsequenced data after sequenced data\n";
        f.unsequenced.push_back(r.payload);
        apply(f, r.payload, "snapshot");
        break;
      case soup::PacketType::sequenced_data:
        f.sequenced.push_back(r.payload);
        apply(f, r.payload, "live");
        break;
      case soup::PacketType::server_heartbeat:
      case soup::PacketType::end_of_session:
        break;
      default:
        f.errors += "unexpected packet type '" + std::string(1, static_cast<char>(r.type)) + "': " + r.payload + "\n";
    }
  }
  return f;
}

/// The feed book of `sym` in book_text()'s format (prices with exponent -2).
std::string feed_book_text(const itch::Book& b, const std::string& sym) {
  const auto locate = b.find_locate(sym);
  if (!locate) return "error: no locate for " + sym + "\n";
  std::string t;
  for (const itch::Side side : {itch::Side::buy, itch::Side::sell}) {
    for (const itch::Level& l : b.levels(*locate, side)) {
      if (l.price % 100 != 0) t += "error: price4 not whole cents: ";
      t += (side == itch::Side::buy ? "bid " : "ask ") + std::to_string(l.price / 100) + "e-2 x " +
           std::to_string(l.shares) + " (" + std::to_string(l.orders) + ")\n";
    }
  }
  return t;
}

/// Every order of `sym`, level by level in priority order: "B 10000 ref=7 x 5".
std::string feed_orders_text(const itch::Book& b, const std::string& sym) {
  const auto locate = b.find_locate(sym);
  if (!locate) return "error: no locate for " + sym + "\n";
  std::string t;
  for (const itch::Side side : {itch::Side::buy, itch::Side::sell}) {
    for (const itch::Level& l : b.levels(*locate, side)) {
      for (const itch::OrderInfo& o : b.orders_at(*locate, side, l.price)) {
        t += std::string(1, static_cast<char>(side)) + " " + std::to_string(o.price) + " ref=" +
             std::to_string(o.reference) + " x " + std::to_string(o.shares) + "\n";
      }
    }
  }
  return t;
}

/// The event codes of the System Events among `messages`, e.g. "OSQ";
/// '?' for any other message.
std::string system_events(const std::vector<std::string>& messages) {
  std::string t;
  for (const auto& p : messages) {
    itch::Message m;
    const auto* e = itch::decode(p.data(), p.size(), &m).ok() ? std::get_if<itch::SystemEvent>(&m) : nullptr;
    t += e != nullptr ? e->event_code : '?';
  }
  return t;
}

uint32_t seed_from_env_or_random() {
  if (const char* s = std::getenv("RIALTO_FEED_SEED"); s != nullptr && *s != 0) {
    return static_cast<uint32_t>(std::strtoul(s, nullptr, 10));
  }
  return std::random_device{}();
}

/// A client session and the orders it sent (cl_ord_id -> price in cents).
struct Trader {
  std::unique_ptr<client::Session> session;
  std::map<uint64_t, int64_t> price;
  uint64_t next_id = 1;
  std::vector<p::ExecutionReport> reports;
};

class FeedTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_.running() && !finished_) {
      EXPECT_EQ(server_.finish(allowed_), "");
    }
  }

  void run(uint32_t shards, const std::vector<std::string>& symbols) {
    const uint32_t seed = seed_from_env_or_random();
    std::cout << "seed " << seed << " (RIALTO_FEED_SEED=" << seed << " replays it)\n";
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    auto die = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };

    if (shards == 2) {
      config::VenueConfig rule;
      rule.shards = 2;
      std::set<uint32_t> used;
      for (const auto& s : symbols) used.insert(rule.shard_for(s));
      ASSERT_EQ(used.size(), 2u) << "the symbols should span both shards";
    }
    std::string error;
    ASSERT_TRUE(server_.start(venue_config("shards = " + std::to_string(shards) + "\n"), error)) << error;
    // The subscribers' logins, and a subscriber closing first after End of Session.
    allowed_ = {"md: 127.0.0.1:#: logged in as 'test', snapshot of # orders, then live from #",
                "md: 127.0.0.1:#: logged in as 'test', replay from 1", "md: 127.0.0.1:#: disconnected"};

    // The first subscriber: before any symbol or order.
    auto first = std::make_unique<FeedReader>(server_.md_port(), 0);
    ASSERT_TRUE(first->connected());
    ASSERT_TRUE(server_.wait_for_log("logged in as 'test'", kEndTimeoutMs));

    std::vector<Trader> traders(3);
    for (size_t i = 0; i < traders.size(); ++i) {
      traders[i].session = logon(server_.port(), "trader" + std::to_string(i));
      ASSERT_TRUE(traders[i].session);
    }
    for (const auto& s : symbols) {
      ASSERT_TRUE(traders[0].session->send(add_instrument(s)));
    }
    Answers added = sync(*traders[0].session, 1);
    ASSERT_TRUE(added.ok) << added.error;
    ASSERT_EQ(added.instruments.size(), symbols.size());
    for (const auto& r : added.instruments) ASSERT_EQ(v(r.status), static_cast<uint8_t>(p::InstrumentStatus::added));

    const int late_at = kOps / 5 + die(kOps * 3 / 5);
    std::unique_ptr<FeedReader> late;
    for (int op = 0; op < kOps; ++op) {
      if (op == late_at) {
        // Once the feed carries an order, so that the snapshot is not empty;
        // the flow goes on meanwhile.
        ASSERT_TRUE(first->wait_for_live_add(kEndTimeoutMs)) << "no Add Order on the feed after " << op << " operations";
        late = std::make_unique<FeedReader>(server_.md_port(), 0);
        ASSERT_TRUE(late->connected());
      }
      Trader& t = traders[static_cast<size_t>(die(3))];
      const std::string& sym = symbols[static_cast<size_t>(die(static_cast<int>(symbols.size())))];
      const int k = die(100);
      bool sent = false;
      if (k < 55 || t.price.empty()) {
        // A limit around 100.00: buys 99.96..100.02, sells 99.98..100.04, so they cross now and then.
        const bool buy = die(2) == 0;
        const int64_t px = buy ? 9996 + die(7) : 9998 + die(7);
        p::NewOrder m = limit_order(t.next_id, sym, buy ? p::Side::buy : p::Side::sell, 1 + die(20), px);
        if (die(8) == 0) m.tif = static_cast<uint8_t>(p::Tif::ioc);
        t.price[t.next_id++] = px;
        sent = t.session->send(m);
      } else {
        auto it = t.price.begin();
        std::advance(it, die(static_cast<int>(t.price.size())));  // maybe done already: rejected unknown_order
        if (k < 72) {
          sent = t.session->send(cancel_order(it->first));
        } else if (k < 86) {
          // Same price, a smaller (or, if it has less open, larger) quantity: priority kept when not increased.
          p::ModifyOrder m = modify_order(it->first, 1 + die(5), 0);
          m.price = p::kNullInt64;
          sent = t.session->send(m);
        } else {
          // A new price (maybe crossing) and quantity: priority lost.
          const int64_t px = 9996 + die(9);
          it->second = px;
          sent = t.session->send(modify_order(it->first, 1 + die(20), px));
        }
      }
      ASSERT_TRUE(sent) << t.session->error();
      // On to the server now (the flow and the late join overlap), and
      // read what came back so that no session's reports pile up.
      ASSERT_TRUE(t.session->flush()) << t.session->error();
      for (Trader& u : traders) {
        client::Frame f;
        while (u.session->try_receive(f) == client::RecvStatus::frame) {
          if (f.is<p::ExecutionReport>()) u.reports.push_back(f.as<p::ExecutionReport>());
        }
      }
      if (op % 20 == 19) {
        // Pace the flow so that the server (and the feed) keep up with it:
        // a late join then lands among the live messages, not before them.
        Answers a = sync(*t.session, 1000 + static_cast<uint64_t>(op));
        ASSERT_TRUE(a.ok) << a.error;
        t.reports.insert(t.reports.end(), a.reports.begin(), a.reports.end());
      }
    }
    for (size_t i = 0; i < traders.size(); ++i) {
      Answers a = sync(*traders[i].session, 100 + i);
      ASSERT_TRUE(a.ok) << a.error;
      traders[i].reports.insert(traders[i].reports.end(), a.reports.begin(), a.reports.end());
    }
    // A second round: every session's inputs are done by now, so each
    // session's reports (its resting orders filled by others' too) are in by
    // its second SyncAck.
    for (size_t i = 0; i < traders.size(); ++i) {
      Answers a = sync(*traders[i].session, 200 + i);
      ASSERT_TRUE(a.ok) << a.error;
      traders[i].reports.insert(traders[i].reports.end(), a.reports.begin(), a.reports.end());
    }
    std::map<std::string, std::string> server_books;
    size_t levels = 0;
    for (const auto& s : symbols) {
      server_books[s] = book_text(*traders[0].session, s);
      ASSERT_EQ(server_books[s].find("error"), std::string::npos) << server_books[s];
      levels += static_cast<size_t>(std::count(server_books[s].begin(), server_books[s].end(), '\n'));
    }
    auto replay = std::make_unique<FeedReader>(server_.md_port(), 1);
    ASSERT_TRUE(replay->connected());
    ASSERT_TRUE(server_.wait_for_log("replay from 1", kEndTimeoutMs));
    for (auto& t : traders) t.session->logout();

    // Stop the server: the publisher sends everyone the rest of its log, then End of Session.
    finished_ = true;
    EXPECT_EQ(server_.finish(allowed_), "");
    for (FeedReader* r : {first.get(), late.get(), replay.get()}) {
      EXPECT_TRUE(r->join()) << r->problem;
    }
    const Feed f1 = feed_of(first->packets);
    const Feed f2 = feed_of(late->packets);
    const Feed f3 = feed_of(replay->packets);
    ASSERT_EQ(f1.errors, "");
    ASSERT_EQ(f2.errors, "");
    ASSERT_EQ(f3.errors, "");
    ASSERT_EQ(f1.logins_accepted, 1u);
    ASSERT_EQ(f2.logins_accepted, 1u);
    ASSERT_EQ(f3.logins_accepted, 1u);

    // 1. The first subscriber's books are the server's, every level.
    for (const auto& s : symbols) {
      EXPECT_EQ(feed_book_text(f1.book, s), server_books[s]) << s;
    }
    EXPECT_GE(levels, symbols.size()) << "the flow left (almost) empty books";
    std::vector<std::string> want_directory;
    for (const auto& s : symbols) want_directory.push_back(s + " lot=1");
    std::vector<std::string> got_directory = f1.directory;
    if (shards > 1) {  // the shards' symbols interleave
      std::sort(got_directory.begin(), got_directory.end());
      std::sort(want_directory.begin(), want_directory.end());
    }
    EXPECT_EQ(got_directory, want_directory);

    // Trades: every maker fill the clients heard of is one Order Executed.
    std::multiset<std::tuple<std::string, uint64_t, uint32_t, uint32_t>> maker_fills;
    int64_t maker_qty = 0;
    for (const auto& t : traders) {
      for (const auto& r : t.reports) {
        const auto et = static_cast<p::ExecType>(r.exec_type);
        if (et != p::ExecType::partially_filled && et != p::ExecType::filled) continue;
        if ((r.flags & p::kFlagAggressor) != 0) continue;
        EXPECT_EQ(v(r.price_exponent), -2);
        maker_fills.emplace(std::string(p::field_view(r.symbol)), v(r.match_id), static_cast<uint32_t>(v(r.last_qty)),
                            static_cast<uint32_t>(v(r.last_px) * 100));
        maker_qty += v(r.last_qty);
      }
    }
    int64_t feed_qty = 0;
    for (const auto& e : f1.executions) feed_qty += std::get<2>(e);
    EXPECT_EQ(feed_qty, maker_qty);
    EXPECT_TRUE(f1.executions == maker_fills) << f1.executions.size() << " executions on the feed, "
                                              << maker_fills.size() << " maker fills reported";
    EXPECT_GE(maker_fills.size(), 10u) << "the flow hardly traded";
    std::cout << "books: " << levels << " levels on " << symbols.size() << " symbols; " << maker_fills.size()
              << " maker fills, " << maker_qty << " shares; " << f1.sequenced.size() << " sequenced messages\n";

    // 2. The late joiner: the same books, order by order, and the live
    // stream from its Login Accepted sequence on, byte for byte.
    const size_t snapshot_orders = static_cast<size_t>(
        std::count_if(f2.unsequenced.begin(), f2.unsequenced.end(), [](const std::string& m) { return m[0] == 'A'; }));
    std::cout << "late join after " << late_at << " of " << kOps << " operations: snapshot of " << snapshot_orders
              << " orders, live from " << f2.accepted_sequence << " (" << f2.sequenced.size() << " live messages)\n";
    // It logged in after the first subscriber saw an Add Order.
    EXPECT_GT(f2.accepted_sequence, f1.accepted_sequence + symbols.size());
    for (const auto& s : symbols) {
      EXPECT_EQ(feed_orders_text(f2.book, s), feed_orders_text(f1.book, s)) << s;
      EXPECT_EQ(feed_book_text(f2.book, s), server_books[s]) << s;
    }
    ASSERT_GE(f2.accepted_sequence, f1.accepted_sequence);
    ASSERT_LE(f2.accepted_sequence - f1.accepted_sequence, f1.sequenced.size());
    const std::vector<std::string> tail(f1.sequenced.begin() + static_cast<ptrdiff_t>(f2.accepted_sequence - f1.accepted_sequence),
                                        f1.sequenced.end());
    EXPECT_TRUE(f2.sequenced == tail) << f2.sequenced.size() << " live messages, " << tail.size() << " expected";

    // 3. The replay from 1: the first subscriber's sequenced messages, after
    // the ones it had as its snapshot (the System Events before its login).
    EXPECT_EQ(f3.accepted_sequence, 1u);
    EXPECT_TRUE(f3.unsequenced.empty());
    ASSERT_EQ(f3.sequenced.size(), f1.accepted_sequence - 1 + f1.sequenced.size());
    EXPECT_EQ(system_events(f1.unsequenced), "OSQ");
    EXPECT_EQ(system_events({f3.sequenced.begin(), f3.sequenced.begin() + static_cast<ptrdiff_t>(f1.accepted_sequence - 1)}),
              "OSQ");
    EXPECT_TRUE(std::equal(f1.sequenced.begin(), f1.sequenced.end(),
                           f3.sequenced.begin() + static_cast<ptrdiff_t>(f1.accepted_sequence - 1)))
        << "the replay differs from the live stream";
    for (const auto& s : symbols) EXPECT_EQ(feed_orders_text(f3.book, s), feed_orders_text(f1.book, s)) << s;
    // The stream ends with market close, end of system hours, end of messages.
    ASSERT_GE(f1.sequenced.size(), 3u);
    EXPECT_EQ(system_events({f1.sequenced.end() - 3, f1.sequenced.end()}), "MEC");
    // The flow made the feed use every book message it has.
    std::map<char, size_t> types;
    for (const auto& m : f1.sequenced) ++types[m[0]];
    for (const char t : {'R', 'A', 'E', 'X', 'D', 'U'}) EXPECT_GT(types[t], 0u) << "no '" << t << "' on the feed";
  }

  ServerProcess server_;
  std::vector<std::string> allowed_;
  bool finished_ = false;  // run() stopped the server and checked it
};

TEST_F(FeedTest, oneShardFeedBooksLateJoinAndReplayMatchTheServer) { run(1, {"FA", "FB", "FC"}); }

TEST_F(FeedTest, twoShardsFeedBooksLateJoinAndReplayMatchTheServer) { run(2, {"FA", "FB", "FC"}); }

}  // namespace
}  // namespace rialto::e2e
