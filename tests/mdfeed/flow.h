// Test support: a real engine driven by a random order flow, its events
// collected per input, and the comparison of an itch::Book (what a
// subscriber rebuilt from the feed) with the engine's books.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "rialto/engine/engine.h"
#include "rialto/itch/book.h"
#include "rialto/itch/itch.h"
#include "rialto/mdfeed/feed_encoder.h"

namespace rialto::mdfeed::test {

struct Collector {
  std::vector<Event> events;
  void on_event(const Event& e) { events.push_back(e); }
};
using TestEngine = engine::Engine<Collector>;

/// A symbol of the test venue: engine spec, tick and locate.
struct TestSymbol {
  const char* name;
  TickSize tick;
  int64_t lot;
  uint16_t locate;
};

/// ACME tick 0.01 lot 1, GLOBEX tick 0.0005 lot 10 (both published), and
/// TINY tick 0.00001 (finer than ITCH's 0.0001: never published).
inline const std::vector<TestSymbol>& test_symbols() {
  static const std::vector<TestSymbol> s{{"ACME", {1, 2}, 1, 1}, {"GLOBEX", {5, 4}, 10, 2}, {"TINY", {1, 5}, 1, 3}};
  return s;
}

inline MdInput symbol_input(uint32_t shard, SymbolId id, const TestSymbol& s, uint64_t ts) {
  MdQueue q(shard, 4);
  bool ok = publish_symbol(q, id, s.locate, s.name, s.tick, Qty(s.lot), ts);
  EXPECT_TRUE(ok);
  MdInput in;
  EXPECT_TRUE(q.try_pop(in));
  return in;
}

inline MdInput event_input(uint32_t shard, const Event& e, uint64_t ts) {
  MdInput in;
  in.kind = MdKind::event;
  in.shard = shard;
  in.timestamp_ns = ts;
  in.event = e;
  return in;
}

/// Random commands against a few symbols: prices in a narrow band so that
/// orders cross often; every tif, modifies of both kinds, stp, expire.
class RandomFlow {
 public:
  explicit RandomFlow(uint64_t seed, uint32_t symbols = 3) : rng_(seed), symbols_(symbols) {}

  /// Applies one random command to `e`; its events land in the sink.
  template <class Engine>
  void step(Engine& e) {
    const int die = pick(0, 99);
    if (die < 55 || live_.empty()) return submit(e);
    if (die < 80) return modify(e);
    if (die < 97) return cancel(e);
    e.expire();
  }

  const std::vector<OrderId>& ids() const { return live_; }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  template <class Engine>
  void submit(Engine& e) {
    NewOrder o;
    o.id = OrderId(++next_id_);
    o.symbol = SymbolId(static_cast<uint32_t>(pick(0, static_cast<int>(symbols_) - 1)));
    const int64_t lot = test_symbols()[o.symbol.value()].lot;
    o.side = pick(0, 1) ? Side::buy : Side::sell;
    o.qty = Qty(lot * pick(1, 12));
    const int t = pick(0, 19);
    if (t == 0) {
      o.type = OrderType::market;
      o.tif = TimeInForce::ioc;
    } else {
      o.price = Price(1000 + pick(0, 8) + (o.side == Side::buy ? 1 : 0));
      o.price_status = PriceStatus::ok;
      o.tif = t < 12 ? TimeInForce::gtc : t < 16 ? TimeInForce::day : t < 18 ? TimeInForce::ioc : TimeInForce::fok;
      o.post_only = (o.tif == TimeInForce::gtc && pick(0, 9) == 0);
    }
    o.account = AccountId(static_cast<uint32_t>(pick(0, 3)));
    if (pick(0, 4) == 0) o.stp = static_cast<StpMode>(pick(1, 3));
    e.submit(o);
    live_.push_back(o.id);
  }

  template <class Engine>
  void modify(Engine& e) {
    ModifyOrder m;
    m.id = live_[static_cast<size_t>(pick(0, static_cast<int>(live_.size()) - 1))];
    auto v = e.find_order(m.id);
    const int64_t lot = v ? test_symbols()[v->symbol.value()].lot : 1;
    const int how = pick(0, 3);
    if (how != 1) {  // qty: down (keeps priority at the same price), or up
      m.has_qty = true;
      m.qty = Qty(lot * pick(1, 12));
    }
    if (how != 0) {
      m.price = Price(1000 + pick(0, 9));
      m.price_status = PriceStatus::ok;
    }
    e.modify(m);
  }

  template <class Engine>
  void cancel(Engine& e) {
    const size_t i = static_cast<size_t>(pick(0, static_cast<int>(live_.size()) - 1));
    e.cancel(CancelOrder{live_[i]});
    live_[i] = live_.back();
    live_.pop_back();
  }

  std::mt19937_64 rng_;
  uint32_t symbols_;
  uint64_t next_id_ = 0;
  std::vector<OrderId> live_;  // every id submitted and not cancelled by the flow (may be gone)
};

/// Decodes each message and applies it to `book`; fails the test on any error.
inline void apply_all(itch::Book& book, const std::vector<std::string>& msgs, size_t from = 0) {
  for (size_t i = from; i < msgs.size(); ++i) {
    itch::Message m;
    itch::DecodeStatus st = itch::decode(msgs[i].data(), msgs[i].size(), &m);
    ASSERT_TRUE(st.ok()) << st.message();
    itch::ApplyStatus a = book.apply(m);
    ASSERT_TRUE(a.ok()) << "message " << i << ": " << a.message() << " (" << itch::to_text(m) << ")";
  }
}

/// Price(4) of `ticks` of `s`.
inline uint32_t price4(const TestSymbol& s, Price ticks) {
  uint32_t p = 0;
  EXPECT_TRUE(to_price4(ticks.value(), s.tick.mantissa, s.tick.scale, &p));
  return p;
}

/// The subscriber's book equals the engine's for every published symbol:
/// levels (price, shares, order count) best first, and per level the orders
/// in priority order, each under the reference the encoder gave it. `refs`
/// maps an engine order to its feed reference (the encoder's reference_of).
template <class Engine, class Refs>
::testing::AssertionResult books_equal(const Engine& eng, const itch::Book& book, Refs&& refs) {
  for (uint32_t s = 0; s < eng.symbol_count(); ++s) {
    const TestSymbol& sym = test_symbols()[s];
    const bool published = sym.tick.scale <= 4;
    for (Side side : {Side::buy, Side::sell}) {
      const itch::Side is = side == Side::buy ? itch::Side::buy : itch::Side::sell;
      if (!published) {
        if (!book.levels(sym.locate, is).empty()) return ::testing::AssertionFailure() << sym.name << " is on the feed";
        continue;
      }
      std::vector<itch::Level> want;
      std::vector<std::vector<itch::OrderInfo>> want_orders;
      eng.for_each_level(SymbolId(s), side, [&](const engine::LevelView& l) {
        want.push_back({price4(sym, l.price), static_cast<uint64_t>(l.total.value()), l.count});
        want_orders.emplace_back();
      });
      size_t li = 0;
      Price last{-1};
      eng.for_each_order(SymbolId(s), side, [&](const engine::OrderView& o) {
        if (last != Price{-1} && o.price != last) ++li;
        last = o.price;
        want_orders[li].push_back({refs(o.id), sym.locate, is, price4(sym, o.price), static_cast<uint32_t>(o.open.value())});
      });
      std::vector<itch::Level> got = book.levels(sym.locate, is);
      if (got != want) {
        std::ostringstream os;
        os << sym.name << " side " << static_cast<char>(is) << ": levels differ; engine:";
        for (auto& l : want) os << " " << l.price << "x" << l.shares << "/" << l.orders;
        os << "; feed:";
        for (auto& l : got) os << " " << l.price << "x" << l.shares << "/" << l.orders;
        return ::testing::AssertionFailure() << os.str();
      }
      for (size_t i = 0; i < want.size(); ++i) {
        std::vector<itch::OrderInfo> g = book.orders_at(sym.locate, is, want[i].price);
        if (g != want_orders[i]) {
          std::ostringstream os;
          os << sym.name << " side " << static_cast<char>(is) << " level " << want[i].price << ": orders differ; engine:";
          for (auto& o : want_orders[i]) os << " #" << o.reference << "x" << o.shares;
          os << "; feed:";
          for (auto& o : g) os << " #" << o.reference << "x" << o.shares;
          return ::testing::AssertionFailure() << os.str();
        }
      }
    }
  }
  return ::testing::AssertionSuccess();
}

/// Collects encoded messages.
struct VectorSink final : MessageSink {
  std::vector<std::string> messages;
  void message(const char* p, size_t n) override { messages.emplace_back(p, n); }
};

}  // namespace rialto::mdfeed::test
