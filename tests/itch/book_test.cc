// itch::Book: add, execute, cancel, delete and replace sequences, checked as
// whole ladders and queues after each step; inconsistent messages rejected
// without changing the book; and a differential property against a naive
// list of orders.
#include "rialto/itch/book.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace rialto::itch {
namespace {

constexpr std::uint16_t kAcme = 1;

StockDirectory directory(std::uint16_t locate, const char* name, std::uint32_t lot = 100) {
  StockDirectory r;
  r.header.stock_locate = locate;
  r.stock = make_alpha<8>(name);
  r.round_lot_size = lot;
  return r;
}
AddOrder add(std::uint64_t ref, char side, std::uint32_t shares, std::uint32_t price, std::uint16_t locate = kAcme) {
  return AddOrder{Header{locate, 0, ref}, ref, side, shares, make_alpha<8>("ACME"), price};
}
OrderExecuted exec(std::uint64_t ref, std::uint32_t shares, std::uint64_t match = 1) {
  return OrderExecuted{Header{kAcme, 0, 0}, ref, shares, match};
}
OrderCancel cancel(std::uint64_t ref, std::uint32_t shares) { return OrderCancel{Header{kAcme, 0, 0}, ref, shares}; }
OrderDelete del(std::uint64_t ref) { return OrderDelete{Header{kAcme, 0, 0}, ref}; }
OrderReplace replace(std::uint64_t ref, std::uint64_t new_ref, std::uint32_t shares, std::uint32_t price) {
  return OrderReplace{Header{kAcme, 0, 0}, ref, new_ref, shares, price};
}

/// The whole ladder, asks from the highest down to the best, then bids best
/// first; each level with its queue of references.
std::string ladder(const Book& b, std::uint16_t locate = kAcme) {
  std::string s;
  auto asks = b.levels(locate, Side::sell);
  std::reverse(asks.begin(), asks.end());
  auto line = [&](const char* side, Side sd, const Level& l) {
    s += std::string(side) + " " + format_price4(l.price) + " " + std::to_string(l.shares) + " x" +
         std::to_string(l.orders) + " [";
    for (const auto& o : b.orders_at(locate, sd, l.price)) {
      s += ' ';  // (not " " + ...: GCC 12 -O3 warns falsely, -Wrestrict, on that concatenation)
      s += std::to_string(o.reference);
    }
    s += " ]\n";
  };
  for (const auto& l : asks) line("ask", Side::sell, l);
  for (const auto& l : b.levels(locate, Side::buy)) line("bid", Side::buy, l);
  return s;
}

void apply_ok(Book& b, const Message& m) {
  const ApplyStatus st = b.apply(m);
  ASSERT_TRUE(st.ok()) << st.message() << " applying " << to_text(m);
}

TEST(ItchBook, addsLevelsInPriceTimePriority) {
  Book b;
  apply_ok(b, directory(kAcme, "ACME"));
  apply_ok(b, add(1, 'S', 100, 1010000));
  apply_ok(b, add(2, 'S', 50, 1005000));
  apply_ok(b, add(3, 'S', 25, 1010000));
  apply_ok(b, add(4, 'B', 10, 1000000));
  apply_ok(b, add(5, 'B', 20, 995000));
  apply_ok(b, add(6, 'B', 30, 1000000));
  EXPECT_EQ(ladder(b),
            "ask 101.0000 125 x2 [ 1 3 ]\n"
            "ask 100.5000 50 x1 [ 2 ]\n"
            "bid 100.0000 40 x2 [ 4 6 ]\n"
            "bid 99.5000 20 x1 [ 5 ]\n");
  EXPECT_EQ(b.live_orders(), 6u);
  EXPECT_EQ(b.levels(kAcme, Side::buy, 1), (std::vector<Level>{{1000000, 40, 2}}));
  ASSERT_NE(b.stock(kAcme), nullptr);
  EXPECT_EQ(b.stock(kAcme)->name, "ACME");
  EXPECT_EQ(b.stock(kAcme)->round_lot_size, 100u);
  EXPECT_EQ(b.find_locate("ACME"), kAcme);
  EXPECT_EQ(b.find_locate("NOPE"), std::nullopt);
}

TEST(ItchBook, executeCancelDeleteAndReplaceChangeTheLadderAndPriority) {
  Book b;
  apply_ok(b, directory(kAcme, "ACME"));
  apply_ok(b, add(1, 'S', 100, 1010000));
  apply_ok(b, add(2, 'S', 50, 1010000));
  apply_ok(b, add(3, 'B', 10, 1000000));
  apply_ok(b, add(4, 'B', 30, 1000000));

  Execution e;
  ASSERT_TRUE(b.apply(exec(1, 40, 77), &e).ok());
  EXPECT_EQ(e.price, 1010000u);
  EXPECT_EQ(e.shares, 40u);
  EXPECT_EQ(e.match_number, 77u);
  EXPECT_EQ(e.resting_side, Side::sell);
  EXPECT_EQ(ladder(b),
            "ask 101.0000 110 x2 [ 1 2 ]\n"
            "bid 100.0000 40 x2 [ 3 4 ]\n");

  // A partial cancel keeps the order's place.
  apply_ok(b, cancel(1, 10));
  EXPECT_EQ(b.find_order(1), (OrderInfo{1, kAcme, Side::sell, 1010000, 50}));
  EXPECT_EQ(ladder(b),
            "ask 101.0000 100 x2 [ 1 2 ]\n"
            "bid 100.0000 40 x2 [ 3 4 ]\n");

  // Replace at the same price: new reference, back of the queue.
  apply_ok(b, replace(1, 11, 50, 1010000));
  EXPECT_EQ(ladder(b),
            "ask 101.0000 100 x2 [ 2 11 ]\n"
            "bid 100.0000 40 x2 [ 3 4 ]\n");
  EXPECT_EQ(b.find_order(1), std::nullopt);

  // Replace to a new price and size.
  apply_ok(b, replace(3, 13, 5, 1002500));
  EXPECT_EQ(ladder(b),
            "ask 101.0000 100 x2 [ 2 11 ]\n"
            "bid 100.2500 5 x1 [ 13 ]\n"
            "bid 100.0000 30 x1 [ 4 ]\n");

  // Executing in full removes the order; the last one the level.
  OrderExecutedWithPrice c{Header{kAcme, 0, 9}, 13, 5, 78, 'Y', 1002000};
  ASSERT_TRUE(b.apply(c, &e).ok());
  EXPECT_EQ(e.price, 1002000u);
  EXPECT_EQ(e.timestamp, 9u);
  EXPECT_EQ(e.resting_side, Side::buy);
  apply_ok(b, cancel(2, 50));
  apply_ok(b, del(4));
  EXPECT_EQ(ladder(b), "ask 101.0000 50 x1 [ 11 ]\n");
  apply_ok(b, del(11));
  EXPECT_EQ(ladder(b), "");
  EXPECT_EQ(b.live_orders(), 0u);
}

TEST(ItchBook, keepsEachLocatesBookApart) {
  Book b;
  apply_ok(b, directory(1, "ACME"));
  apply_ok(b, directory(2, "GLOBEX"));
  apply_ok(b, add(1, 'B', 10, 1000000, 1));
  apply_ok(b, add(2, 'B', 20, 1000000, 2));
  EXPECT_EQ(ladder(b, 1), "bid 100.0000 10 x1 [ 1 ]\n");
  EXPECT_EQ(ladder(b, 2), "bid 100.0000 20 x1 [ 2 ]\n");
  EXPECT_EQ(b.find_locate("GLOBEX"), 2);
  // An add for a locate no directory named takes its name from the add.
  apply_ok(b, add(3, 'S', 5, 1000000, 9));
  EXPECT_EQ(b.find_locate("ACME"), 1);  // the directory's, not the add's
  ASSERT_NE(b.stock(9), nullptr);
  EXPECT_EQ(b.stock(9)->name, "ACME");
  EXPECT_EQ(b.stock(3), nullptr);
}

TEST(ItchBook, rejectsInconsistentMessagesAndLeavesTheBookAsItWas) {
  Book b;
  apply_ok(b, directory(kAcme, "ACME"));
  apply_ok(b, add(1, 'S', 100, 1010000));
  apply_ok(b, add(2, 'B', 10, 1000000));
  const std::string before = ladder(b);
  struct Case {
    Message m;
    ApplyError error;
    std::string text;
  };
  const std::vector<Case> cases = {
      {exec(9, 1), ApplyError::unknown_reference, "order executed: unknown order reference 9"},
      {exec(1, 101), ApplyError::exceeds_open, "order executed: 101 shares of order reference 1, which has 100 open"},
      {exec(1, 0), ApplyError::zero_shares, "order executed: 0 shares of order reference 1"},
      {cancel(2, 11), ApplyError::exceeds_open, "order cancel: 11 shares of order reference 2, which has 10 open"},
      {cancel(8, 1), ApplyError::unknown_reference, "order cancel: unknown order reference 8"},
      {del(7), ApplyError::unknown_reference, "order delete: unknown order reference 7"},
      {replace(6, 60, 1, 1), ApplyError::unknown_reference, "order replace: unknown order reference 6"},
      {replace(1, 2, 1, 1), ApplyError::duplicate_reference, "order replace: new order reference 2 is already live"},
      {replace(1, 12, 0, 1), ApplyError::zero_shares, "order replace: new order reference 12 has 0 shares"},
      {add(1, 'B', 5, 1000000), ApplyError::duplicate_reference, "add order: order reference 1 is already live"},
      {add(3, 'X', 5, 1000000), ApplyError::bad_side, "add order: side X is neither B nor S"},
      {add(3, 'B', 0, 1000000), ApplyError::zero_shares, "add order: order reference 3 has 0 shares"},
  };
  for (const Case& c : cases) {
    const ApplyStatus st = b.apply(c.m);
    EXPECT_EQ(st.error, c.error) << to_text(c.m);
    EXPECT_EQ(st.message(), c.text);
    EXPECT_EQ(ladder(b), before) << to_text(c.m);
    EXPECT_EQ(b.live_orders(), 2u);
  }
}

TEST(ItchBook, ignoresMessagesThatDoNotChangeTheBook) {
  Book b;
  apply_ok(b, add(1, 'S', 100, 1010000));
  const std::string before = ladder(b);
  apply_ok(b, SystemEvent{Header{}, 'Q'});
  apply_ok(b, Trade{Header{kAcme, 0, 0}, 0, 'B', 10, make_alpha<8>("ACME"), 1010000, 5});
  apply_ok(b, BrokenTrade{Header{}, 5});
  apply_ok(b, StockTradingAction{Header{kAcme, 0, 0}, make_alpha<8>("ACME"), 'H', ' ', make_alpha<4>("")});
  EXPECT_EQ(ladder(b), before);
}

// ---- Differential: the book against a plain list of live orders -------------

struct NaiveOrder {
  std::uint64_t ref;
  char side;
  std::uint32_t price;
  std::uint32_t shares;
  std::uint64_t arrival;
};

std::vector<Level> naive_levels(const std::vector<NaiveOrder>& orders, char side) {
  std::map<std::uint32_t, Level> by_price;
  for (const auto& o : orders) {
    if (o.side != side) continue;
    Level& l = by_price[o.price];
    l.price = o.price;
    l.shares += o.shares;
    ++l.orders;
  }
  std::vector<Level> out;
  for (const auto& [p, l] : by_price) out.push_back(l);
  if (side == 'B') std::reverse(out.begin(), out.end());
  return out;
}

RC_GTEST_PROP(ItchBookProperty, matchesANaiveListOfOrders, ()) {
  Book b;
  std::vector<NaiveOrder> naive;
  std::uint64_t clock = 0;
  std::uint64_t next_ref = 1;
  const int steps = *rc::gen::inRange(1, 200);
  for (int i = 0; i < steps; ++i) {
    const int op = *rc::gen::inRange(0, 6);
    // Sometimes a reference that is not live, to check rejects too.
    std::uint64_t ref = naive.empty() || *rc::gen::inRange(0, 10) == 0
                            ? *rc::gen::inRange<std::uint64_t>(1, next_ref + 2)
                            : naive[*rc::gen::inRange<std::size_t>(0, naive.size())].ref;
    auto it = std::find_if(naive.begin(), naive.end(), [&](const NaiveOrder& o) { return o.ref == ref; });
    const bool live = it != naive.end();
    const std::uint32_t shares = *rc::gen::inRange<std::uint32_t>(0, 120);
    const std::uint32_t price = 1000000 + 100 * *rc::gen::inRange<std::uint32_t>(0, 8);
    Message m;
    bool expect_ok = false;
    if (op == 0 || op == 1) {
      const std::uint64_t r = *rc::gen::inRange(0, 10) == 0 ? ref : next_ref++;
      const char side = op == 0 ? 'B' : 'S';
      m = add(r, side, shares, price);
      const bool dup = std::any_of(naive.begin(), naive.end(), [&](const NaiveOrder& o) { return o.ref == r; });
      expect_ok = !dup && shares > 0;
      if (expect_ok) naive.push_back({r, side, price, shares, clock++});
    } else if (op == 2 || op == 3) {
      m = op == 2 ? Message(exec(ref, shares)) : Message(cancel(ref, shares));
      expect_ok = live && shares > 0 && shares <= it->shares;
      if (expect_ok) {
        it->shares -= shares;
        if (it->shares == 0) naive.erase(it);
      }
    } else if (op == 4) {
      m = del(ref);
      expect_ok = live;
      if (expect_ok) naive.erase(it);
    } else {
      const std::uint64_t r = next_ref++;  // may be live: an add above can take a reference ahead of next_ref
      m = replace(ref, r, shares, price);
      const bool dup =
          r != ref && std::any_of(naive.begin(), naive.end(), [&](const NaiveOrder& o) { return o.ref == r; });
      expect_ok = live && shares > 0 && !dup;
      if (expect_ok) {
        const char side = it->side;
        naive.erase(it);
        naive.push_back({r, side, price, shares, clock++});
      }
    }
    const ApplyStatus st = b.apply(m);
    RC_ASSERT(st.ok() == expect_ok);
    RC_ASSERT(b.live_orders() == naive.size());
    RC_ASSERT(b.levels(kAcme, Side::buy) == naive_levels(naive, 'B'));
    RC_ASSERT(b.levels(kAcme, Side::sell) == naive_levels(naive, 'S'));
  }
  // Every level's queue is in arrival order.
  for (char side : {'B', 'S'}) {
    const Side sd = static_cast<Side>(side);
    for (const Level& l : b.levels(kAcme, sd)) {
      std::vector<NaiveOrder> expected;
      for (const auto& o : naive) {
        if (o.side == side && o.price == l.price) expected.push_back(o);
      }
      std::sort(expected.begin(), expected.end(),
                [](const NaiveOrder& x, const NaiveOrder& y) { return x.arrival < y.arrival; });
      const auto got = b.orders_at(kAcme, sd, l.price);
      RC_ASSERT(got.size() == expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        RC_ASSERT(got[i].reference == expected[i].ref);
        RC_ASSERT(got[i].shares == expected[i].shares);
      }
    }
  }
}

}  // namespace
}  // namespace rialto::itch
