// Unit tests of the engine's internal structures (detail/): the pool, the
// SipHash, the id index and the price ladder, each against the obvious
// expectation; and the engine's queries, id rule and symbol limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "bench/engine/id_attack.h"
#include "rialto/engine/detail/book_side.h"
#include "rialto/engine/detail/id_index.h"
#include "rialto/engine/detail/siphash.h"
#include "rialto/engine/detail/pool.h"
#include "rialto/engine/engine.h"

namespace rialto::engine::detail {
namespace {

TEST(Pool, shouldReuseReleasedSlotsAndReportFull) {
  Pool<uint64_t> pool(3);
  uint32_t a = pool.acquire();
  uint32_t b = pool.acquire();
  uint32_t c = pool.acquire();
  EXPECT_TRUE(pool.full());
  EXPECT_EQ(pool.live(), 3u);
  EXPECT_EQ((std::set<uint32_t>{a, b, c}), (std::set<uint32_t>{0, 1, 2}));
  pool.release(b);
  EXPECT_FALSE(pool.full());
  EXPECT_EQ(pool.acquire(), b);
  EXPECT_TRUE(pool.full());
}

// The published SipHash-2-4 vector (Aumasson and Bernstein, appendix A):
// key 00 01 .. 0f, message 00 01 .. 07. The engine's SipHash-1-3 is the same
// template with fewer rounds.
TEST(SipHash, shouldMatchThePublishedSipHash24Vector) {
  const SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  EXPECT_EQ((siphash_u64<2, 4>(key, 0x0706050403020100ULL)), 0x93f5f5799a932462ULL);
  EXPECT_NE(siphash13(key, 1), siphash13(SipKey{key.k0 ^ 1, key.k1}, 1)) << "the key must change the hash";
}

/// `n` ids whose home slot in a table of `slots` slots is `home` under `key`:
/// they all land in one probe run.
std::vector<uint64_t> colliding_ids(const SipKey& key, uint64_t slots, uint64_t home, size_t n) {
  return bench::colliding_ids(n, slots, home, 1, key);
}

// Random inserts and erases against std::unordered_map, with ids drawn so
// that runs are long, wrap around the end of the table, and get holes
// punched into their middle: what backward-shift deletion must get right.
TEST(IdIndex, shouldAgreeWithAMapUnderInsertsAndErasesInLongWrappingRuns) {
  const SipKey key{1, 2};
  IdIndex index(32, key);
  ASSERT_EQ(index.slots(), 64u);
  std::vector<uint64_t> pool = colliding_ids(key, 64, 62, 24);  // a run from slot 62 wraps to 0
  for (uint64_t id : colliding_ids(key, 64, 0, 12)) pool.push_back(id);
  for (uint64_t id = 1000; id < 1040; ++id) pool.push_back(id);  // ordinary ids mixed in
  std::mt19937_64 rng(3);
  std::unordered_map<uint64_t, uint32_t> want;
  uint64_t longest = 0;
  for (int step = 0; step < 20000; ++step) {
    const uint64_t id = pool[rng() % pool.size()];
    const uint32_t h = index.hash32(OrderId(id));
    if (auto it = want.find(id); it != want.end()) {
      ASSERT_EQ(index.find(OrderId(id), h), it->second) << id;
      index.erase(OrderId(id), h);
      want.erase(it);
      ASSERT_EQ(index.find(OrderId(id), h), IdIndex::kNotFound) << id;
    } else if (!index.full()) {
      ASSERT_EQ(index.find(OrderId(id), h), IdIndex::kNotFound) << id;
      const auto value = static_cast<uint32_t>(rng() % 1000);
      index.insert(OrderId(id), h, value);
      want[id] = value;
    }
    ASSERT_EQ(index.size(), want.size());
    if (step % 97 == 0) {  // every id, present or not, is found exactly as the map says
      for (uint64_t other : pool) {
        auto it = want.find(other);
        const uint32_t found = index.find(OrderId(other), index.hash32(OrderId(other)));
        ASSERT_EQ(found, it == want.end() ? IdIndex::kNotFound : it->second) << other << " at step " << step;
        longest = std::max(longest, index.TEST_probe_length(OrderId(other)));
      }
    }
  }
  EXPECT_GT(longest, 16u) << "the colliding ids should have built long runs";
}

// Removal leaves no trace: after every id is erased, a lookup probes one slot,
// however long the runs were (no tombstones).
TEST(IdIndex, shouldLeaveNoTraceOfErasedIds) {
  const SipKey key{5, 6};
  IdIndex index(16, key);
  const std::vector<uint64_t> ids = colliding_ids(key, index.slots(), 7, 16);
  for (uint32_t i = 0; i < ids.size(); ++i) index.insert(OrderId(ids[i]), index.hash32(OrderId(ids[i])), i);
  EXPECT_EQ(index.TEST_probe_length(OrderId(ids.back())), 16u);
  for (uint64_t id : ids) index.erase(OrderId(id), index.hash32(OrderId(id)));
  EXPECT_EQ(index.size(), 0u);
  for (uint64_t id : ids) EXPECT_EQ(index.TEST_probe_length(OrderId(id)), 1u);
}

std::vector<int64_t> prices_best_first(const BookSide& side, const std::map<uint32_t, int64_t>& price_of) {
  std::vector<int64_t> out;
  side.for_each_best_first([&](uint32_t level) {
    out.push_back(price_of.at(level));
    return true;
  });
  return out;
}

TEST(BookSide, shouldKeepLevelsInPriorityOrderForBothSides) {
  for (Side s : {Side::buy, Side::sell}) {
    BookSide side(s, 2);  // small reserve: growth is exercised too
    std::mt19937 rng(11);
    std::set<int64_t> live;
    std::map<uint32_t, int64_t> price_of;
    std::map<int64_t, uint32_t> level_of;
    uint32_t next_level = 0;
    for (int step = 0; step < 5000; ++step) {
      int64_t p = static_cast<int64_t>(rng() % 200) - 100;  // negative keys too
      if (live.contains(p)) {
        EXPECT_EQ(side.find(Price(p)), level_of[p]);
        side.erase(Price(p));
        live.erase(p);
        EXPECT_EQ(side.find(Price(p)), kNil);
      } else {
        EXPECT_EQ(side.find(Price(p)), kNil);
        side.insert(Price(p), next_level);
        price_of[next_level] = p;
        level_of[p] = next_level++;
        live.insert(p);
      }
      ASSERT_EQ(side.size(), live.size());
      if (!live.empty()) {
        int64_t best = s == Side::buy ? *live.rbegin() : *live.begin();
        ASSERT_EQ(price_of[side.best()], best);
      }
    }
    std::vector<int64_t> want(live.begin(), live.end());
    if (s == Side::buy) std::reverse(want.begin(), want.end());
    EXPECT_EQ(prices_best_first(side, price_of), want);
  }
}

struct VectorSink {
  std::vector<Event> events;
  void on_event(const Event& e) { events.push_back(e); }
};

NewOrder limit(uint64_t id, Side side, int64_t qty, int64_t px) {
  return NewOrder{.id = OrderId(id), .symbol = SymbolId(0), .side = side, .qty = Qty(qty), .price = Price(px),
                  .price_status = PriceStatus::ok};
}

TEST(EngineQueries, shouldAnswerTopOfBookDepthAndOrderLookupFromTheBook) {
  VectorSink sink;
  Engine<VectorSink> eng(EngineConfig{.max_orders = 64, .max_symbols = 2, .levels_reserved_per_side = 2}, sink);
  eng.add_symbol(SymbolSpec{});
  EXPECT_FALSE(eng.best(SymbolId(0), Side::buy).has_value());
  for (uint64_t i = 0; i < 5; ++i) eng.submit(limit(10 + i, Side::buy, 1 + static_cast<int64_t>(i), 100 - static_cast<int64_t>(i)));
  eng.submit(limit(20, Side::buy, 7, 100));
  eng.submit(limit(30, Side::sell, 4, 105));

  const std::optional<LevelView> bid = eng.best(SymbolId(0), Side::buy);
  ASSERT_TRUE(bid.has_value());
  EXPECT_EQ(bid->price, Price(100));
  EXPECT_EQ(bid->total, Qty(8));
  EXPECT_EQ(bid->count, 2u);
  EXPECT_EQ(eng.best(SymbolId(0), Side::sell)->price, Price(105));

  std::array<LevelView, 3> top{};
  ASSERT_EQ(eng.depth(SymbolId(0), Side::buy, top), 3u);
  EXPECT_EQ(top[0].price, Price(100));
  EXPECT_EQ(top[1].price, Price(99));
  EXPECT_EQ(top[1].total, Qty(2));
  EXPECT_EQ(top[2].price, Price(98));
  std::array<LevelView, 4> asks{};
  EXPECT_EQ(eng.depth(SymbolId(0), Side::sell, asks), 1u);

  int visited = 0;
  eng.for_each_level(SymbolId(0), Side::buy, [&](const LevelView&) { return ++visited < 2; });
  EXPECT_EQ(visited, 2) << "for_each_level stops when f returns false";

  const std::optional<OrderView> o = eng.find_order(OrderId(20));
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->symbol, SymbolId(0));
  EXPECT_EQ(o->side, Side::buy);
  EXPECT_EQ(o->price, Price(100));
  EXPECT_EQ(o->open, Qty(7));
  eng.cancel(CancelOrder{OrderId(20)});
  EXPECT_FALSE(eng.find_order(OrderId(20)).has_value());
  EXPECT_EQ(eng.best(SymbolId(0), Side::buy)->total, Qty(1));
  EXPECT_GT(eng.ladder_growths(), 0u) << "5 bid levels in a side that reserved 2";
}

// The engine's duplicate_id covers resting orders only: an id is free again
// once its order is done, and a resting id is refused. (Scripts keep the
// lifetime rule on top: script/lifetime_ids.h.)
TEST(EngineIds, shouldRefuseOnlyTheIdsOfRestingOrders) {
  VectorSink sink;
  Engine<VectorSink> eng(EngineConfig{.max_orders = 4, .max_symbols = 1}, sink);
  eng.add_symbol(SymbolSpec{});
  eng.submit(limit(7, Side::buy, 5, 100));
  EXPECT_EQ(eng.check(limit(7, Side::sell, 5, 101)), RejectReason::duplicate_id);
  eng.cancel(CancelOrder{OrderId(7)});
  EXPECT_EQ(eng.check(limit(7, Side::sell, 5, 101)), RejectReason::none);
  for (uint64_t n = 0; n < 1000; ++n) {  // far more orders than max_orders, every id reused
    eng.submit(limit(n % 3, Side::buy, 5, 100));
    eng.cancel(CancelOrder{OrderId(n % 3)});
  }
  EXPECT_EQ(eng.resting_orders(), 0u);
  for (const Event& e : sink.events) ASSERT_NE(e.type, EventType::rejected);
}

TEST(EngineSymbols, shouldRefuseLimitsWhoseSumsCouldOverflow) {
  VectorSink sink;
  Engine<VectorSink> eng(EngineConfig{.max_orders = 1000, .max_symbols = 3}, sink);
  const int64_t limit_qty = INT64_MAX / 1000;
  EXPECT_EQ(Engine<VectorSink>::max_qty_limit(1000), limit_qty);
  EXPECT_EQ(eng.check_symbol(SymbolSpec{Qty(1), Qty(limit_qty + 1)}), SymbolError::qty_overflow);
  EXPECT_EQ(eng.add_symbol(SymbolSpec{Qty(1), Qty(limit_qty + 1)}), kNoSymbol);
  EXPECT_EQ(eng.check_symbol(SymbolSpec{Qty(0), Qty(5)}), SymbolError::invalid_lot);
  EXPECT_EQ(eng.check_symbol(SymbolSpec{Qty(1), Qty(0)}), SymbolError::invalid_max_qty);
  EXPECT_EQ(eng.add_symbol(SymbolSpec{Qty(1), Qty(limit_qty)}), SymbolId(0));
  EXPECT_EQ(eng.add_symbol(SymbolSpec{}), SymbolId(1));
  EXPECT_EQ(eng.add_symbol(SymbolSpec{}), SymbolId(2));
  EXPECT_EQ(eng.check_symbol(SymbolSpec{}), SymbolError::too_many_symbols);
  EXPECT_EQ(eng.add_symbol(SymbolSpec{}), kNoSymbol);
}

}  // namespace
}  // namespace rialto::engine::detail
