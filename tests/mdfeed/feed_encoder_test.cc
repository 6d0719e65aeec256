// FeedEncoder without sockets: hand-checked mappings of each engine event to
// ITCH messages, and two properties over random order flow through a real
// engine: (a) after every input the book a subscriber rebuilds from the feed
// equals the engine's books, order by order; (b) a late join at a random
// point (snapshot + the rest of the stream) ends with the same book as a
// subscriber from the start, and equals the engine after every input.
#include "rialto/mdfeed/feed_encoder.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "flow.h"
#include "retained_log.h"
#include "rialto/itch/soup.h"

namespace rialto::mdfeed::test {
namespace {

engine::EngineConfig small_engine() {
  engine::EngineConfig c;
  c.max_orders = 4096;
  c.max_symbols = 8;
  return c;
}

/// An engine, an encoder and a subscriber book, fed input by input.
struct Rig {
  Collector sink;
  TestEngine eng{small_engine(), sink};
  VectorSink out;
  std::vector<std::string> logs;
  FeedEncoder enc{out, [this](std::string_view l) { logs.emplace_back(l); }};
  itch::Book book;
  uint64_t ts = 1000;
  size_t applied = 0;

  explicit Rig(uint32_t symbols = 3) {
    enc.start(ts);
    for (uint32_t s = 0; s < symbols; ++s) {
      const TestSymbol& sym = test_symbols()[s];
      SymbolId id = eng.add_symbol(engine::SymbolSpec{Qty(sym.lot), Qty(1'000'000)});
      enc.apply(symbol_input(0, id, sym, ++ts));
    }
    sync();
  }
  /// Feeds the events collected so far, then brings the subscriber book up to date.
  void sync() {
    ++ts;
    for (const Event& e : sink.events) enc.apply(event_input(0, e, ts));
    sink.events.clear();
    apply_all(book, out.messages, applied);
    applied = out.messages.size();
  }
  ::testing::AssertionResult equal() {
    return books_equal(eng, book, [&](OrderId id) { return enc.reference_of(0, id); });
  }
  std::vector<itch::Message> since(size_t from) const {
    std::vector<itch::Message> r;
    for (size_t i = from; i < out.messages.size(); ++i) {
      itch::Message m;
      EXPECT_TRUE(itch::decode(out.messages[i].data(), out.messages[i].size(), &m).ok());
      r.push_back(m);
    }
    return r;
  }
  NewOrder limit(uint64_t id, Side side, int64_t qty, int64_t px, uint32_t sym = 0) {
    NewOrder o;
    o.id = OrderId(id);
    o.symbol = SymbolId(sym);
    o.side = side;
    o.qty = Qty(qty);
    o.price = Price(px);
    o.price_status = PriceStatus::ok;
    return o;
  }
};

template <class T>
const T& as(const itch::Message& m) {
  EXPECT_TRUE(std::holds_alternative<T>(m)) << itch::to_text(m);
  static const T empty{};
  return std::holds_alternative<T>(m) ? std::get<T>(m) : empty;
}

TEST(FeedEncoder, startsWithSystemEventsAndOneStockDirectoryPerPublishableSymbol) {
  Rig r;
  auto m = r.since(0);
  ASSERT_EQ(m.size(), 5u);  // O S Q, ACME, GLOBEX; TINY is refused
  EXPECT_EQ(as<itch::SystemEvent>(m[0]).event_code, 'O');
  EXPECT_EQ(as<itch::SystemEvent>(m[1]).event_code, 'S');
  EXPECT_EQ(as<itch::SystemEvent>(m[2]).event_code, 'Q');
  const auto& acme = as<itch::StockDirectory>(m[3]);
  EXPECT_EQ(acme.header.stock_locate, 1);
  EXPECT_EQ(itch::trimmed(acme.stock), "ACME");
  EXPECT_EQ(acme.round_lot_size, 1u);
  EXPECT_EQ(acme.round_lots_only, 'Y');
  const auto& globex = as<itch::StockDirectory>(m[4]);
  EXPECT_EQ(globex.header.stock_locate, 2);
  EXPECT_EQ(globex.round_lot_size, 10u);
  ASSERT_EQ(r.logs.size(), 1u);
  EXPECT_EQ(r.logs[0], "md: symbol TINY (shard 0) is not published: its tick has 5 decimals, finer than ITCH's 0.0001");
  EXPECT_EQ(r.enc.stats().unpublished_symbols, 1u);
}

TEST(FeedEncoder, restingOrderIsAddOrderWithFeedReferenceNotVenueId) {
  Rig r;
  const size_t from = r.out.messages.size();
  r.eng.submit(r.limit(0x500000001ull, Side::buy, 100, 10125));
  r.sync();
  auto m = r.since(from);
  ASSERT_EQ(m.size(), 1u);
  const auto& a = as<itch::AddOrder>(m[0]);
  EXPECT_EQ(a.order_reference_number, 1u);
  EXPECT_EQ(a.buy_sell_indicator, 'B');
  EXPECT_EQ(a.shares, 100u);
  EXPECT_EQ(a.price, 1012500u);  // 101.25
  EXPECT_EQ(itch::trimmed(a.stock), "ACME");
  EXPECT_EQ(a.header.stock_locate, 1);
  EXPECT_TRUE(r.equal());
}

TEST(FeedEncoder, tradeIsOrderExecutedOnMakerWithEngineMatchNumber) {
  Rig r;
  r.eng.submit(r.limit(1, Side::sell, 100, 1000));
  r.eng.submit(r.limit(2, Side::sell, 50, 1001));
  r.sync();
  const size_t from = r.out.messages.size();
  r.eng.submit(r.limit(3, Side::buy, 120, 1001));  // 100 @1000 (match 1), 20 @1001 (match 2)
  r.sync();
  auto m = r.since(from);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(as<itch::OrderExecuted>(m[0]).order_reference_number, 1u);
  EXPECT_EQ(as<itch::OrderExecuted>(m[0]).executed_shares, 100u);
  EXPECT_EQ(as<itch::OrderExecuted>(m[0]).match_number, 1u);
  EXPECT_EQ(as<itch::OrderExecuted>(m[1]).order_reference_number, 2u);
  EXPECT_EQ(as<itch::OrderExecuted>(m[1]).executed_shares, 20u);
  EXPECT_EQ(as<itch::OrderExecuted>(m[1]).match_number, 2u);
  EXPECT_TRUE(r.equal());
}

TEST(FeedEncoder, cancelIsOrderDeleteAndTakerRemaindersPublishNothing) {
  Rig r;
  r.eng.submit(r.limit(1, Side::sell, 100, 1000));
  r.sync();
  const size_t from = r.out.messages.size();
  NewOrder ioc = r.limit(2, Side::buy, 10, 990);
  ioc.tif = TimeInForce::ioc;
  r.eng.submit(ioc);  // cancelled remainder: never rested
  r.eng.cancel(CancelOrder{OrderId(1)});
  r.sync();
  auto m = r.since(from);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(as<itch::OrderDelete>(m[0]).order_reference_number, 1u);
  EXPECT_TRUE(r.equal());
}

TEST(FeedEncoder, modifyKeepingPriorityIsOrderCancelOfTheDifference) {
  Rig r;
  r.eng.submit(r.limit(1, Side::buy, 100, 1000));
  r.eng.submit(r.limit(2, Side::buy, 10, 1000));
  r.sync();
  const size_t from = r.out.messages.size();
  r.eng.modify(ModifyOrder{.id = OrderId(1), .has_qty = true, .qty = Qty(60)});
  r.eng.modify(ModifyOrder{.id = OrderId(1), .has_qty = true, .qty = Qty(60)});  // nothing removed: nothing sent
  r.sync();
  auto m = r.since(from);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(as<itch::OrderCancel>(m[0]).order_reference_number, 1u);
  EXPECT_EQ(as<itch::OrderCancel>(m[0]).cancelled_shares, 40u);
  EXPECT_TRUE(r.equal());  // still first at its level
}

TEST(FeedEncoder, modifyLosingPriorityWithoutTradeIsOrderReplace) {
  Rig r;
  r.eng.submit(r.limit(1, Side::buy, 100, 1000));
  r.eng.submit(r.limit(2, Side::buy, 10, 1000));
  r.sync();
  const size_t from = r.out.messages.size();
  r.eng.modify(ModifyOrder{.id = OrderId(1), .has_qty = true, .qty = Qty(150)});  // up: back of the level
  r.eng.modify(ModifyOrder{.id = OrderId(2), .price = Price(999), .price_status = PriceStatus::ok});
  r.sync();
  auto m = r.since(from);
  ASSERT_EQ(m.size(), 2u);
  const auto& u = as<itch::OrderReplace>(m[0]);
  EXPECT_EQ(u.original_order_reference_number, 1u);
  EXPECT_EQ(u.new_order_reference_number, 3u);
  EXPECT_EQ(u.shares, 150u);
  EXPECT_EQ(u.price, 100000u);
  const auto& u2 = as<itch::OrderReplace>(m[1]);
  EXPECT_EQ(u2.original_order_reference_number, 2u);
  EXPECT_EQ(u2.new_order_reference_number, 4u);
  EXPECT_EQ(u2.price, 99900u);
  EXPECT_EQ(r.enc.reference_of(0, OrderId(1)), 3u);
  EXPECT_TRUE(r.equal());
}

TEST(FeedEncoder, modifyThatTradesIsDeleteThenExecutionsThenAddOfTheRest) {
  Rig r;
  r.eng.submit(r.limit(1, Side::sell, 30, 1002));
  r.eng.submit(r.limit(2, Side::buy, 100, 1000));
  r.sync();
  const size_t from = r.out.messages.size();
  r.eng.modify(ModifyOrder{.id = OrderId(2), .price = Price(1002), .price_status = PriceStatus::ok});
  r.sync();
  auto m = r.since(from);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(as<itch::OrderDelete>(m[0]).order_reference_number, 2u);
  EXPECT_EQ(as<itch::OrderExecuted>(m[1]).order_reference_number, 1u);
  EXPECT_EQ(as<itch::OrderExecuted>(m[1]).executed_shares, 30u);
  const auto& a = as<itch::AddOrder>(m[2]);
  EXPECT_EQ(a.order_reference_number, 3u);
  EXPECT_EQ(a.shares, 70u);
  EXPECT_EQ(a.price, 100200u);
  EXPECT_TRUE(r.equal());
}

TEST(FeedEncoder, orderWhosePriceDoesNotFitPrice4IsNotPublishedAndItsTradesAreInvisible) {
  Rig r;
  const size_t from = r.out.messages.size();
  r.eng.submit(r.limit(1, Side::sell, 10, 42949673));  // 429496.73 > 429496.7295
  r.eng.submit(r.limit(2, Side::buy, 10, 42949673));
  r.sync();
  EXPECT_EQ(r.since(from).size(), 0u);
  EXPECT_EQ(r.enc.stats().unpublished_orders, 1u);
  ASSERT_EQ(r.logs.size(), 2u);
  EXPECT_NE(r.logs[1].find("ACME is not published: its price or size does not fit"), std::string::npos) << r.logs[1];
}

TEST(FeedEncoder, finishResolvesAndEndsWithSystemEventsMEC) {
  Rig r;
  const size_t from = r.out.messages.size();
  r.enc.finish(99);
  auto m = r.since(from);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(as<itch::SystemEvent>(m[0]).event_code, 'M');
  EXPECT_EQ(as<itch::SystemEvent>(m[1]).event_code, 'E');
  EXPECT_EQ(as<itch::SystemEvent>(m[2]).event_code, 'C');
  EXPECT_EQ(as<itch::SystemEvent>(m[2]).header.timestamp, 99u);
}

TEST(FeedEncoder, priceConversionCoversEveryTickScale) {
  uint32_t p = 0;
  EXPECT_TRUE(to_price4(10125, 1, 2, &p));
  EXPECT_EQ(p, 1012500u);
  EXPECT_TRUE(to_price4(3, 5, 0, &p));  // tick 5
  EXPECT_EQ(p, 150000u);
  EXPECT_TRUE(to_price4(7, 1, 4, &p));
  EXPECT_EQ(p, 7u);
  EXPECT_FALSE(to_price4(7, 1, 5, &p));  // finer than 0.0001
  EXPECT_TRUE(to_price4(4294967295, 1, 4, &p));
  EXPECT_FALSE(to_price4(4294967296, 1, 4, &p));
  EXPECT_FALSE(to_price4(1, 1'000'000'000'000'000'000ull, 0, &p));
  EXPECT_FALSE(to_price4(0, 1, 2, &p));
}

// (a) After every input, the subscriber's book equals the engine's.
RC_GTEST_PROP(FeedEncoderProperty, subscriberBookEqualsEngineAfterEveryInput, ()) {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  const int steps = *rc::gen::inRange(1, 400);
  Rig r;
  RandomFlow flow(seed);
  for (int i = 0; i < steps; ++i) {
    flow.step(r.eng);
    r.sync();
    auto eq = r.equal();
    RC_ASSERT(static_cast<bool>(eq));
    if (!eq) RC_FAIL(eq.message());
  }
  RC_ASSERT(r.enc.book().live_orders() == r.book.live_orders());
}

// (b) A late join: snapshot at a random input, then the rest of the stream.
RC_GTEST_PROP(FeedEncoderProperty, lateJoinSnapshotPlusRestEqualsFullStream, ()) {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  const int steps = *rc::gen::inRange(1, 300);
  const int join_at = *rc::gen::inRange(0, steps);
  Rig r;
  RandomFlow flow(seed);
  itch::Book late;
  size_t late_from = 0;
  bool joined = false;
  for (int i = 0; i <= steps; ++i) {
    if (i == join_at) {
      VectorSink snap;
      r.enc.snapshot(r.ts, snap);
      apply_all(late, snap.messages);
      late_from = r.out.messages.size();
      joined = true;
    }
    if (i == steps) break;
    flow.step(r.eng);
    r.sync();
    if (joined) {
      apply_all(late, r.out.messages, late_from);
      late_from = r.out.messages.size();
      auto eq = books_equal(r.eng, late, [&](OrderId id) { return r.enc.reference_of(0, id); });
      if (!eq) RC_FAIL(eq.message());
    }
  }
  RC_ASSERT(late.live_orders() == r.book.live_orders());
  auto eq = books_equal(r.eng, late, [&](OrderId id) { return r.enc.reference_of(0, id); });
  if (!eq) RC_FAIL(eq.message());
}

// Two shards: locates are global, references are the feed's (one counter).
TEST(FeedEncoder, twoShardsShareOneReferenceCounter) {
  Collector c0, c1;
  TestEngine e0{small_engine(), c0}, e1{small_engine(), c1};
  VectorSink out;
  FeedEncoder enc{out};
  enc.start(1);
  enc.apply(symbol_input(0, e0.add_symbol({}), test_symbols()[0], 2));
  enc.apply(symbol_input(1, e1.add_symbol({Qty(10), Qty(1000)}), test_symbols()[1], 3));
  NewOrder o;
  o.id = OrderId(7);  // the same engine id on both shards
  o.symbol = SymbolId(0);
  o.qty = Qty(10);
  o.price = Price(1000);
  o.price_status = PriceStatus::ok;
  e0.submit(o);
  e1.submit(o);
  for (const Event& e : c0.events) enc.apply(event_input(0, e, 4));
  for (const Event& e : c1.events) enc.apply(event_input(1, e, 4));
  EXPECT_EQ(enc.reference_of(0, OrderId(7)), 1u);
  EXPECT_EQ(enc.reference_of(1, OrderId(7)), 2u);
  itch::Book book;
  apply_all(book, out.messages);
  ASSERT_EQ(book.levels(1, itch::Side::buy).size(), 1u);
  ASSERT_EQ(book.levels(2, itch::Side::buy).size(), 1u);
  EXPECT_EQ(book.levels(2, itch::Side::buy)[0].price, 5000u);  // 1000 ticks of 0.0005
}

// ---- The retained log ------------------------------------------------------

std::vector<std::string> packets(const std::string& bytes) {
  itch::soup::SoupDecoder d(itch::soup::Direction::from_server);
  d.append(bytes.data(), bytes.size());
  std::vector<std::string> r;
  itch::soup::Packet p;
  while (d.next(&p) == itch::soup::SoupDecoder::Next::packet) {
    EXPECT_EQ(p.type, itch::soup::PacketType::sequenced_data);
    r.emplace_back(p.payload);
  }
  EXPECT_EQ(d.buffered(), 0u) << d.error();
  return r;
}

TEST(RetainedLog, evictsOldestByBytesAndByCountAndCopiesWholePacketsAcrossTheWrap) {
  detail::RetainedLog log(100, 4);  // 100 bytes: a 19-byte message is a 22-byte packet
  std::string msg(19, 'D');
  for (int i = 0; i < 4; ++i) {
    msg[1] = static_cast<char>('a' + i);
    log.append(msg.data(), msg.size());
  }
  EXPECT_EQ(log.first(), 1u);
  EXPECT_EQ(log.next(), 5u);
  msg[1] = 'e';
  log.append(msg.data(), msg.size());  // 5 x 22 > 100 and > 4 messages: 1 goes
  EXPECT_EQ(log.first(), 2u);
  for (int i = 5; i < 9; ++i) {
    msg[1] = static_cast<char>('a' + i);
    log.append(msg.data(), msg.size());
  }
  EXPECT_EQ(log.first(), 6u);
  EXPECT_EQ(log.next(), 10u);
  std::string out;
  EXPECT_EQ(log.copy(6, 1000, out), 10u);
  auto p = packets(out);
  ASSERT_EQ(p.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(p[static_cast<size_t>(i)][1], static_cast<char>('a' + 5 + i));
  out.clear();
  EXPECT_EQ(log.copy(7, 50, out), 9u);  // two 22-byte packets fit in 50
  EXPECT_EQ(packets(out).size(), 2u);
  out.clear();
  EXPECT_EQ(log.copy(9, 1, out), 10u);  // at least one
  EXPECT_FALSE(log.holds(5));
  EXPECT_TRUE(log.holds(9));
}

}  // namespace
}  // namespace rialto::mdfeed::test
