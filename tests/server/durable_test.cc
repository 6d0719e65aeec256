// The journal payloads and the shard snapshot (src/server/durable.h,
// Matcher::save/load): every field survives a round trip, every bad payload
// is refused with a reason, and a matcher restored from a snapshot taken at
// any point gives the same outputs and output hash as the original.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "durable.h"
#include "matcher.h"

namespace rialto::server {
namespace {

ShardInput with_context(InputKind kind) {
  ShardInput in;
  in.kind = kind;
  in.session = 0xA1B2C3D4;
  in.cl_ord_id = 0x1122334455667788ULL;
  in.token = 0x0102030405060708ULL;
  return in;
}

std::vector<ShardInput> one_of_each() {
  std::vector<ShardInput> v;
  ShardInput n = with_context(InputKind::new_order);
  n.new_order = NewOrder{OrderId(uint64_t{7} << 32 | 9), SymbolId(3), Side::sell, OrderType::limit,
                         TimeInForce::day, StpMode::cancel_both, true, AccountId(42), Qty(1'000'000'007),
                         Price(-5), PriceStatus::off_tick, 0xFEEDFACECAFEBEEFULL};
  v.push_back(n);
  ShardInput c = with_context(InputKind::cancel);
  c.cancel = CancelOrder{OrderId(0xFFFFFFFFFFFFFFFFULL)};
  v.push_back(c);
  ShardInput m = with_context(InputKind::modify);
  m.modify = ModifyOrder{};
  m.modify.id = OrderId(77);
  m.modify.has_qty = true;
  m.modify.qty = Qty(INT64_MAX);
  m.modify.price = Price(INT64_MIN);
  m.modify.price_status = PriceStatus::out_of_range;
  v.push_back(m);
  ShardInput mc = with_context(InputKind::mass_cancel);
  mc.mass = MassCancelInput{AccountId(5), kNoSymbol};
  v.push_back(mc);
  ShardInput s = with_context(InputKind::add_symbol);
  s.symbol = SymbolDef{};
  s.symbol.spec = engine::SymbolSpec{Qty(10), Qty(5000)};
  s.symbol.tick = TickSize{25, 3};
  std::memcpy(s.symbol.name, "ABCDEFGH", 8);
  v.push_back(s);
  v.push_back(with_context(InputKind::expire));
  ShardInput a = with_context(InputKind::account);
  a.account = AccountBinding{};
  a.account.id = AccountId(0x80000001);
  std::memcpy(a.account.name, "sixteen chars ok", 16);
  v.push_back(a);
  return v;
}

std::vector<uint8_t> encoded(const ShardInput& in) {
  uint8_t buf[kMaxInputPayload];
  const size_t n = encode_input(in, buf);
  return {buf, buf + n};
}

TEST(JournalPayload, shouldRoundTripEveryFieldOfEveryJournaledKind) {
  const std::vector<size_t> sizes = {20 + 46, 20 + 8, 20 + 26, 20 + 8, 20 + 36, 20, 20 + 20};
  const auto inputs = one_of_each();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ShardInput& in = inputs[i];
    const auto bytes = encoded(in);
    EXPECT_EQ(bytes.size(), sizes[i]) << "kind " << int(in.kind);
    ShardInput out;
    std::string error;
    ASSERT_TRUE(decode_input(static_cast<uint8_t>(in.kind), bytes.data(), bytes.size(), &out, &error)) << error;
    EXPECT_EQ(out.kind, in.kind);
    EXPECT_EQ(out.session, in.session);
    EXPECT_EQ(out.cl_ord_id, in.cl_ord_id);
    EXPECT_EQ(out.token, in.token);
    EXPECT_EQ(encoded(out), bytes) << "kind " << int(in.kind);
  }
  // Spot checks that the fields land where docs/JOURNAL.md says.
  const auto n = encoded(inputs[0]);
  uint64_t tag = 0;
  std::memcpy(&tag, n.data() + 20 + 38, 8);
  EXPECT_EQ(tag, 0xFEEDFACECAFEBEEFULL);
  EXPECT_EQ(n[20 + 12], 1);  // side sell
  EXPECT_EQ(n[20 + 14], 1);  // tif day
  ShardInput out;
  std::string error;
  ASSERT_TRUE(decode_input(0, n.data(), n.size(), &out, &error));
  EXPECT_EQ(out.new_order.qty, Qty(1'000'000'007));
  EXPECT_EQ(out.new_order.price_status, PriceStatus::off_tick);
  EXPECT_TRUE(out.new_order.post_only);
  const auto s = encoded(inputs[4]);
  ASSERT_TRUE(decode_input(6, s.data(), s.size(), &out, &error));
  EXPECT_EQ(std::string(out.symbol.name, 8), "ABCDEFGH");
  EXPECT_EQ(out.symbol.tick, (TickSize{25, 3}));
}

TEST(JournalPayload, shouldRefuseEveryWrongLengthAndBadValue) {
  for (const ShardInput& in : one_of_each()) {
    const auto bytes = encoded(in);
    const auto type = static_cast<uint8_t>(in.kind);
    for (size_t len = 0; len <= bytes.size() + 1; ++len) {
      if (len == bytes.size()) continue;
      std::vector<uint8_t> b = bytes;
      b.resize(len, 0);
      ShardInput out;
      std::string error;
      EXPECT_FALSE(decode_input(type, b.data(), b.size(), &out, &error)) << "kind " << int(type) << " len " << len;
      EXPECT_EQ(error, "payload length " + std::to_string(len) + " does not fit its record type " +
                           std::to_string(type));
    }
  }
  ShardInput out;
  std::string error;
  auto n = encoded(one_of_each()[0]);
  n[20 + 12] = 2;  // side
  EXPECT_FALSE(decode_input(0, n.data(), n.size(), &out, &error));
  EXPECT_EQ(error, "new order with an enum field out of range");
  auto s = encoded(one_of_each()[4]);
  std::memset(s.data() + 20 + 16, 0, 8);  // tick mantissa 0
  EXPECT_FALSE(decode_input(6, s.data(), s.size(), &out, &error));
  EXPECT_EQ(error, "symbol with an invalid tick");
  for (uint8_t t : {uint8_t{4}, uint8_t{5}, uint8_t{9}, uint8_t{255}}) {
    EXPECT_FALSE(decode_input(t, n.data(), n.size(), &out, &error));
    EXPECT_EQ(error, "unknown record type " + std::to_string(t));
  }
}

struct Collect {
  std::vector<ShardOutput> outputs;
  void push(const ShardOutput& o) { outputs.push_back(o); }
};

/// Random inputs of every kind over 3 symbols and 4 accounts, with ids as a
/// gateway mints them (session << 32 | n).
std::vector<ShardInput> random_inputs(std::mt19937_64& rng, size_t count) {
  std::vector<ShardInput> v;
  for (uint32_t s = 0; s < 3; ++s) {
    ShardInput in = with_context(InputKind::add_symbol);
    in.token = s;
    in.symbol = SymbolDef{};
    in.symbol.spec = engine::SymbolSpec{Qty(s + 1), Qty(1000)};
    in.symbol.tick = TickSize{1, 2};
    in.symbol.name[0] = static_cast<char>('A' + s);
    v.push_back(in);
  }
  std::vector<uint64_t> ids;
  uint32_t next = 0;
  auto die = [&](uint64_t n) { return rng() % n; };
  while (v.size() < count) {
    const uint64_t k = die(100);
    ShardInput in;
    if (k < 55) {
      in = with_context(InputKind::new_order);
      const uint32_t session = 1 + static_cast<uint32_t>(die(4));
      in.session = session;
      const uint32_t sym = static_cast<uint32_t>(die(3));
      NewOrder& o = in.new_order;
      o.id = OrderId(uint64_t{session} << 32 | ++next);
      o.symbol = SymbolId(sym);
      o.side = die(2) == 0 ? Side::buy : Side::sell;
      o.type = die(10) == 0 ? OrderType::market : OrderType::limit;
      o.tif = o.type == OrderType::market ? TimeInForce::ioc : static_cast<TimeInForce>(die(4));
      o.stp = static_cast<StpMode>(die(4));
      o.account = AccountId(session);
      o.qty = Qty(static_cast<int64_t>((1 + die(8)) * (sym + 1)));
      if (o.type == OrderType::limit) {
        o.price = Price(static_cast<int64_t>(95 + die(10)) + (o.side == Side::buy ? 2 : 0));
        o.price_status = PriceStatus::ok;
      }
      o.tag = in.cl_ord_id = next * 3;
      ids.push_back(o.id.value());
    } else if (k < 75 && !ids.empty()) {
      in = with_context(InputKind::cancel);
      in.cancel = CancelOrder{OrderId(ids[die(ids.size())])};
    } else if (k < 93 && !ids.empty()) {
      in = with_context(InputKind::modify);
      in.modify = ModifyOrder{};
      in.modify.id = OrderId(ids[die(ids.size())]);
      in.modify.has_qty = die(2) == 0;
      in.modify.qty = Qty(static_cast<int64_t>(1 + die(6)) * 3);
      if (die(2) == 0) {
        in.modify.price = Price(static_cast<int64_t>(95 + die(12)));
        in.modify.price_status = PriceStatus::ok;
      }
    } else if (k < 96) {
      in = with_context(InputKind::mass_cancel);
      in.mass = MassCancelInput{AccountId(1 + static_cast<uint32_t>(die(4))), die(2) == 0 ? kNoSymbol : SymbolId(0)};
    } else if (k < 98) {
      in = with_context(InputKind::expire);
    } else {
      in = with_context(InputKind::account);
      in.account = AccountBinding{};
      in.account.id = AccountId(1 + static_cast<uint32_t>(die(4)));
      in.account.name[0] = 'a';
    }
    v.push_back(in);
  }
  return v;
}

std::vector<Event> events_of(const std::vector<ShardOutput>& outs, size_t from = 0) {
  std::vector<Event> e;
  for (size_t i = from; i < outs.size(); ++i) {
    if (outs[i].kind == OutputKind::event) e.push_back(outs[i].event);
  }
  return e;
}

// A snapshot at any point, restored into a fresh matcher, continues exactly
// as the original: the same events and the same running hash; and the state
// it restores is the same again when saved.
TEST(ShardSnapshot, shouldRestoreAMatcherThatContinuesWithTheSameOutputsAndHash) {
  engine::EngineConfig config;
  config.max_orders = 64;
  config.max_symbols = 8;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(seed);
    const auto inputs = random_inputs(rng, 400);
    const size_t split = 3 + rng() % (inputs.size() - 3);
    Collect a_out;
    Matcher<Collect> a(config, a_out);
    for (size_t i = 0; i < split; ++i) a.apply(inputs[i]);
    std::vector<uint8_t> bytes;
    a.save(bytes);
    Collect b_out;
    Matcher<Collect> b(config, b_out);
    std::string error;
    ASSERT_TRUE(b.load(bytes.data(), bytes.size(), &error)) << "seed " << seed << ": " << error;
    std::vector<uint8_t> again;
    b.save(again);
    EXPECT_EQ(again, bytes) << "seed " << seed;
    EXPECT_EQ(b.output_hash(), a.output_hash());
    EXPECT_EQ(b.max_session(), a.max_session());
    const size_t from = a_out.outputs.size();
    for (size_t i = split; i < inputs.size(); ++i) {
      a.apply(inputs[i]);
      b.apply(inputs[i]);
    }
    ASSERT_EQ(events_of(b_out.outputs), events_of(a_out.outputs, from)) << "seed " << seed << " split " << split;
    EXPECT_EQ(b.output_hash(), a.output_hash()) << "seed " << seed;
  }
}

// The hash follows every field: one event that differs in one field changes it.
TEST(ShardSnapshot, shouldChangeTheHashWhenAnyFieldOfAnEventDiffers) {
  Event base{};
  base.seq = SeqNo(3);
  base.id = OrderId(9);
  OutputHash h0;
  h0.add(base);
  std::vector<Event> variants(12, base);
  variants[0].seq = SeqNo(4);
  variants[1].id = OrderId(10);
  variants[2].maker = OrderId(1);
  variants[3].match = 1;
  variants[4].price = Price(1);
  variants[5].qty = Qty(1);
  variants[6].leaves = Qty(1);
  variants[7].maker_leaves = Qty(1);
  variants[8].symbol = SymbolId(1);
  variants[9].count = 1;
  variants[10].type = EventType::trade;
  variants[11].kept_priority = true;
  for (size_t i = 0; i < variants.size(); ++i) {
    OutputHash h;
    h.add(variants[i]);
    EXPECT_NE(h.value, h0.value) << "field " << i;
  }
}

TEST(ShardSnapshot, shouldRefuseATruncatedOrInconsistentSnapshotWithItsOffset) {
  engine::EngineConfig config;
  config.max_orders = 64;
  config.max_symbols = 8;
  std::mt19937_64 rng(7);
  const auto inputs = random_inputs(rng, 200);
  Collect out;
  Matcher<Collect> a(config, out);
  for (const ShardInput& in : inputs) a.apply(in);
  ASSERT_GT(a.engine().resting_orders(), 0u);
  std::vector<uint8_t> bytes;
  a.save(bytes);
  for (size_t len : {size_t{0}, size_t{3}, bytes.size() / 2, bytes.size() - 1}) {
    Collect o;
    Matcher<Collect> b(config, o);
    std::string error;
    EXPECT_FALSE(b.load(bytes.data(), len, &error)) << len;
    EXPECT_NE(error.find(" at payload offset "), std::string::npos) << error;
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  Collect o;
  Matcher<Collect> b(config, o);
  std::string error;
  EXPECT_FALSE(b.load(longer.data(), longer.size(), &error));
  EXPECT_EQ(error, "bytes after the shard snapshot at payload offset " + std::to_string(bytes.size()));
  std::vector<uint8_t> version = bytes;
  version[0] = 2;
  Collect o2;
  Matcher<Collect> c(config, o2);
  EXPECT_FALSE(c.load(version.data(), version.size(), &error));
  EXPECT_EQ(error, "unknown shard snapshot version 2 at payload offset 4");
}

}  // namespace
}  // namespace rialto::server
