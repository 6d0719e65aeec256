// render_ladder: the whole screen for a built book, compared line for line.
#include <gtest/gtest.h>

#include <string>

#include "rialto/mdview/mdview.h"

namespace rialto::mdview {
namespace {

using namespace rialto::itch;

Book acme_book() {
  Book b;
  StockDirectory r;
  r.header.stock_locate = 1;
  r.stock = make_alpha<8>("ACME");
  r.round_lot_size = 100;
  EXPECT_TRUE(b.apply(r).ok());
  auto add = [&](std::uint64_t ref, char side, std::uint32_t shares, std::uint32_t price) {
    EXPECT_TRUE(b.apply(AddOrder{Header{1, 0, 0}, ref, side, shares, make_alpha<8>("ACME"), price}).ok());
  };
  add(1, 'S', 100, 1010000);
  add(2, 'S', 50, 1005000);
  add(3, 'S', 25, 1010000);
  add(4, 'B', 10, 1000000);
  add(5, 'B', 20, 995000);
  add(6, 'B', 30, 1000000);
  return b;
}

TEST(Ladder, showsAsksAboveBidsWithSpreadTradesAndStatus) {
  const Book b = acme_book();
  Stats s;
  s.symbol = "ACME";
  s.last_sequence = 42;
  s.messages = 57;
  s.messages_per_second = 12;
  s.status = "connected";
  s.trades.push_back(TradePrint{1005000, 40, 34200000000123ull});
  s.trades.push_back(TradePrint{1010000, 5, 3600000000000ull});
  EXPECT_EQ(render_ladder(b, 1, s, 80),
            "ACME   seq 42   12 msg/s   57 messages\n"
            "\n"
            "            PRICE       SHARES   ORDERS\n"
            "ask      101.0000          125        2\n"
            "ask      100.5000           50        1\n"
            "     ---- spread 0.5000 ----\n"
            "bid      100.0000           40        2\n"
            "bid       99.5000           20        1\n"
            "\n"
            "last trades\n"
            "  09:30:00.000000123     100.5000           40\n"
            "  01:00:00.000000000     101.0000            5\n"
            "\n"
            "status: connected\n");
}

TEST(Ladder, limitsDepthAndWidthAndSaysWhenASideIsEmpty) {
  Book b = acme_book();
  ASSERT_TRUE(b.apply(OrderDelete{Header{1, 0, 0}, 1}).ok());
  ASSERT_TRUE(b.apply(OrderDelete{Header{1, 0, 0}, 2}).ok());
  ASSERT_TRUE(b.apply(OrderDelete{Header{1, 0, 0}, 3}).ok());
  Stats s;
  s.symbol = "ACME";
  s.depth = 1;
  s.status = "disconnected: connection closed by the server";
  s.book_errors = 2;
  s.last_book_error = "order delete: unknown order reference 9";
  EXPECT_EQ(render_ladder(b, 1, s, 30),
            "ACME   seq 0   0 msg/s   0 mes\n"
            "\n"
            "            PRICE       SHARES\n"
            "     (no asks)\n"
            "     ----\n"
            "bid      100.0000           40\n"
            "\n"
            "last trades\n"
            "  (none)\n"
            "\n"
            "book: 2 inconsistent messages,\n"
            "status: disconnected: connecti\n");
}

TEST(Ladder, saysWhenTheSymbolIsNotInTheFeedYet) {
  Book b;
  Stats s;
  s.symbol = "HOOLI";
  EXPECT_EQ(render_ladder(b, std::nullopt, s, 100),
            "HOOLI   seq 0   0 msg/s   0 messages\n"
            "\n"
            "HOOLI: not in the feed (no Stock Directory or order for it yet)\n"
            "\n"
            "last trades\n"
            "  (none)\n"
            "\n"
            "status: connecting\n");
}

}  // namespace
}  // namespace rialto::mdview
