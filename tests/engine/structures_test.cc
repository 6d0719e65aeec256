// Unit tests of the engine's internal structures (detail/): the pool, the id
// table and the price ladder, each against the obvious expectation.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "rialto/engine/detail/book_side.h"
#include "rialto/engine/detail/id_table.h"
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

TEST(IdTable, shouldFindEveryInsertedIdAndNoOther) {
  IdTable t(1000);
  std::mt19937_64 rng(7);
  std::map<uint64_t, uint32_t> expect;
  while (!t.full()) {
    uint64_t id = rng() % 5000;  // collisions in the id space are likely
    if (expect.contains(id)) continue;
    uint32_t slot = t.insert(OrderId(id), IdTable::live(static_cast<uint32_t>(expect.size())));
    expect[id] = slot;
  }
  EXPECT_EQ(t.size(), 1000u);
  for (uint64_t id = 0; id < 5000; ++id) {
    uint32_t slot = t.find(OrderId(id));
    if (auto it = expect.find(id); it != expect.end()) {
      EXPECT_EQ(slot, it->second) << id;
    } else {
      EXPECT_EQ(slot, IdTable::kNotFound) << id;
    }
  }
}

TEST(IdTable, shouldKeepSlotsStableWhenStateChanges) {
  IdTable t(4);
  uint32_t s = t.insert(OrderId(0), IdTable::kDead);  // id 0 is a valid id
  EXPECT_EQ(t.find(OrderId(0)), s);
  t.set_value(s, IdTable::live(9));
  EXPECT_TRUE(IdTable::is_live(t.value(s)));
  EXPECT_EQ(IdTable::pool_index(t.value(s)), 9u);
  t.set_value(s, IdTable::kDead);
  EXPECT_EQ(t.find(OrderId(0)), s) << "a dead id stays taken";
  EXPECT_FALSE(IdTable::is_live(t.value(s)));
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

// Runs a random mix of new/cancel/modify; with `hints`, announces each command
// 8 and 4 commands ahead as a replay driver would.
std::vector<Event> run_mix(bool hints) {
  VectorSink sink;
  Engine<VectorSink> eng(EngineConfig{.max_orders = 4096, .max_order_ids = 1 << 16}, sink);
  eng.add_symbol(SymbolSpec{});
  std::mt19937_64 rng(5);
  struct Cmd {
    int kind;
    uint64_t id;
    int64_t px;
    Side side;
  };
  std::vector<Cmd> cmds;
  for (uint64_t n = 1; n <= 20000; ++n) {
    int kind = static_cast<int>(rng() % 3);
    uint64_t id = kind == 0 ? n : 1 + rng() % n;
    cmds.push_back({kind, id, 100 + static_cast<int64_t>(rng() % 9), rng() % 2 ? Side::buy : Side::sell});
  }
  for (size_t i = 0; i < cmds.size(); ++i) {
    if (hints && i + 8 < cmds.size()) eng.prefetch_id(OrderId(cmds[i + 8].id));
    if (hints && i + 4 < cmds.size()) eng.prefetch_order(OrderId(cmds[i + 4].id));
    const Cmd& c = cmds[i];
    if (c.kind == 0) {
      eng.submit(NewOrder{.id = OrderId(c.id), .symbol = SymbolId(0), .side = c.side, .qty = Qty(5),
                          .price = Price(c.px), .price_status = PriceStatus::ok});
    } else if (c.kind == 1) {
      eng.cancel(CancelOrder{OrderId(c.id)});
    } else {
      eng.modify(ModifyOrder{.id = OrderId(c.id), .has_qty = true, .qty = Qty(3)});
    }
  }
  return sink.events;
}

TEST(Engine, shouldGiveTheSameEventsWithAndWithoutPrefetchHints) {
  std::vector<Event> plain = run_mix(false);
  EXPECT_GT(plain.size(), 20000u);
  EXPECT_EQ(plain, run_mix(true));
}

}  // namespace
}  // namespace rialto::engine::detail
