// Each of the 23 ITCH 5.0 message types: bytes built from the spec's field
// table (offset, length) decode to the expected fields and re-encode to the
// same bytes; random bytes of each type round-trip; wrong lengths and unknown
// types are rejected with their message.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdio>
#include <string>

#include "rialto/itch/itch.h"
#include "wire.h"

namespace rialto::itch {
namespace {

using testing::hex;
using testing::Wire;

constexpr std::uint64_t kTs = 34200000000123ull;  // 09:30:00.000000123

Header hdr(std::uint16_t locate, std::uint16_t track = 7) { return Header{locate, track, kTs}; }

void check(const std::string& bytes, const Message& expected) {
  Message got;
  const DecodeStatus st = decode(bytes.data(), bytes.size(), &got);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(got, expected) << to_text(got) << "\n" << to_text(expected);
  EXPECT_EQ(message_size(message_type(expected)), bytes.size());
  char out[kMaxMessageSize + 8];
  const std::size_t n = encode(expected, out);
  EXPECT_EQ(hex(std::string(out, n)), hex(bytes));
}

TEST(ItchCodec, systemEventMatchesSpecTable) {
  const std::string b = Wire(12).header('S', 0, 7, kTs).chr(11, 'O').done();
  check(b, SystemEvent{hdr(0), 'O'});
}

TEST(ItchCodec, stockDirectoryMatchesSpecTable) {
  const std::string b = Wire(39)
                            .header('R', 1, 7, kTs)
                            .alpha(11, 8, "ACME")
                            .chr(19, 'Q')
                            .chr(20, 'N')
                            .num(21, 4, 100)
                            .chr(25, 'N')
                            .chr(26, 'C')
                            .alpha(27, 2, "Z")
                            .chr(29, 'P')
                            .chr(30, 'N')
                            .chr(31, ' ')
                            .chr(32, '1')
                            .chr(33, 'N')
                            .num(34, 4, 0x01020304)
                            .chr(38, 'N')
                            .done();
  StockDirectory m;
  m.header = hdr(1);
  m.stock = make_alpha<8>("ACME");
  m.market_category = 'Q';
  m.financial_status_indicator = 'N';
  m.round_lot_size = 100;
  m.round_lots_only = 'N';
  m.issue_classification = 'C';
  m.issue_sub_type = make_alpha<2>("Z");
  m.authenticity = 'P';
  m.short_sale_threshold_indicator = 'N';
  m.ipo_flag = ' ';
  m.luld_reference_price_tier = '1';
  m.etp_flag = 'N';
  m.etp_leverage_factor = 0x01020304;
  m.inverse_indicator = 'N';
  check(b, m);
}

TEST(ItchCodec, stockTradingActionMatchesSpecTable) {
  const std::string b =
      Wire(25).header('H', 2, 7, kTs).alpha(11, 8, "GLOBEX").chr(19, 'H').chr(20, ' ').alpha(21, 4, "IPO1").done();
  check(b, StockTradingAction{hdr(2), make_alpha<8>("GLOBEX"), 'H', ' ', make_alpha<4>("IPO1")});
}

TEST(ItchCodec, regShoRestrictionMatchesSpecTable) {
  const std::string b = Wire(20).header('Y', 3, 7, kTs).alpha(11, 8, "HOOLI").chr(19, '1').done();
  check(b, RegShoRestriction{hdr(3), make_alpha<8>("HOOLI"), '1'});
}

TEST(ItchCodec, marketParticipantPositionMatchesSpecTable) {
  const std::string b = Wire(26)
                            .header('L', 1, 7, kTs)
                            .alpha(11, 4, "RIAL")
                            .alpha(15, 8, "ACME")
                            .chr(23, 'Y')
                            .chr(24, 'N')
                            .chr(25, 'A')
                            .done();
  check(b, MarketParticipantPosition{hdr(1), make_alpha<4>("RIAL"), make_alpha<8>("ACME"), 'Y', 'N', 'A'});
}

TEST(ItchCodec, mwcbDeclineLevelMatchesSpecTable) {
  const std::string b = Wire(35)
                            .header('V', 0, 7, kTs)
                            .num(11, 8, 350000000000ull)
                            .num(19, 8, 330000000000ull)
                            .num(27, 8, 0x0102030405060708ull)
                            .done();
  check(b, MwcbDeclineLevel{hdr(0), 350000000000ull, 330000000000ull, 0x0102030405060708ull});
}

TEST(ItchCodec, mwcbStatusMatchesSpecTable) {
  const std::string b = Wire(12).header('W', 0, 7, kTs).chr(11, '2').done();
  check(b, MwcbStatus{hdr(0), '2'});
}

TEST(ItchCodec, ipoQuotingPeriodUpdateMatchesSpecTable) {
  const std::string b =
      Wire(28).header('K', 4, 7, kTs).alpha(11, 8, "INITECH").num(19, 4, 36000).chr(23, 'A').num(24, 4, 250000).done();
  check(b, IpoQuotingPeriodUpdate{hdr(4), make_alpha<8>("INITECH"), 36000, 'A', 250000});
}

TEST(ItchCodec, luldAuctionCollarMatchesSpecTable) {
  const std::string b = Wire(35)
                            .header('J', 1, 7, kTs)
                            .alpha(11, 8, "ACME")
                            .num(19, 4, 1000000)
                            .num(23, 4, 1100000)
                            .num(27, 4, 900000)
                            .num(31, 4, 2)
                            .done();
  check(b, LuldAuctionCollar{hdr(1), make_alpha<8>("ACME"), 1000000, 1100000, 900000, 2});
}

TEST(ItchCodec, operationalHaltMatchesSpecTable) {
  const std::string b = Wire(21).header('h', 1, 7, kTs).alpha(11, 8, "ACME").chr(19, 'Q').chr(20, 'H').done();
  check(b, OperationalHalt{hdr(1), make_alpha<8>("ACME"), 'Q', 'H'});
}

TEST(ItchCodec, addOrderMatchesSpecTable) {
  const std::string b = Wire(36)
                            .header('A', 1, 0, kTs)
                            .num(11, 8, 5)
                            .chr(19, 'B')
                            .num(20, 4, 100)
                            .alpha(24, 8, "ACME")
                            .num(32, 4, 1010000)
                            .done();
  const AddOrder m{Header{1, 0, kTs}, 5, 'B', 100, make_alpha<8>("ACME"), 1010000};
  check(b, m);
  EXPECT_EQ(to_text(m), "A locate=1 track=0 ts=34200.000000123 ref=5 side=B shares=100 stock=ACME price=101.0000");
}

TEST(ItchCodec, addOrderMpidMatchesSpecTable) {
  const std::string b = Wire(40)
                            .header('F', 1, 7, kTs)
                            .num(11, 8, 0x1122334455667788ull)
                            .chr(19, 'S')
                            .num(20, 4, 0xfffffffful)
                            .alpha(24, 8, "ACMEACME")
                            .num(32, 4, 1)
                            .alpha(36, 4, "RIAL")
                            .done();
  check(b, AddOrderMpid{hdr(1), 0x1122334455667788ull, 'S', 0xffffffffu, make_alpha<8>("ACMEACME"), 1,
                        make_alpha<4>("RIAL")});
}

TEST(ItchCodec, orderExecutedMatchesSpecTable) {
  const std::string b = Wire(31).header('E', 1, 7, kTs).num(11, 8, 5).num(19, 4, 40).num(23, 8, 9001).done();
  check(b, OrderExecuted{hdr(1), 5, 40, 9001});
}

TEST(ItchCodec, orderExecutedWithPriceMatchesSpecTable) {
  const std::string b = Wire(36)
                            .header('C', 1, 7, kTs)
                            .num(11, 8, 5)
                            .num(19, 4, 40)
                            .num(23, 8, 9002)
                            .chr(31, 'N')
                            .num(32, 4, 1005000)
                            .done();
  check(b, OrderExecutedWithPrice{hdr(1), 5, 40, 9002, 'N', 1005000});
}

TEST(ItchCodec, orderCancelMatchesSpecTable) {
  const std::string b = Wire(23).header('X', 1, 7, kTs).num(11, 8, 5).num(19, 4, 10).done();
  check(b, OrderCancel{hdr(1), 5, 10});
}

TEST(ItchCodec, orderDeleteMatchesSpecTable) {
  const std::string b = Wire(19).header('D', 1, 7, kTs).num(11, 8, 5).done();
  check(b, OrderDelete{hdr(1), 5});
}

TEST(ItchCodec, orderReplaceMatchesSpecTable) {
  const std::string b =
      Wire(35).header('U', 1, 7, kTs).num(11, 8, 5).num(19, 8, 6).num(27, 4, 300).num(31, 4, 1000100).done();
  check(b, OrderReplace{hdr(1), 5, 6, 300, 1000100});
}

TEST(ItchCodec, tradeMatchesSpecTable) {
  const std::string b = Wire(44)
                            .header('P', 1, 7, kTs)
                            .num(11, 8, 0)
                            .chr(19, 'B')
                            .num(20, 4, 70)
                            .alpha(24, 8, "ACME")
                            .num(32, 4, 1010000)
                            .num(36, 8, 9003)
                            .done();
  check(b, Trade{hdr(1), 0, 'B', 70, make_alpha<8>("ACME"), 1010000, 9003});
}

TEST(ItchCodec, crossTradeMatchesSpecTable) {
  const std::string b = Wire(40)
                            .header('Q', 1, 7, kTs)
                            .num(11, 8, 0x0000000100000000ull)
                            .alpha(19, 8, "ACME")
                            .num(27, 4, 1000000)
                            .num(31, 8, 9004)
                            .chr(39, 'C')
                            .done();
  check(b, CrossTrade{hdr(1), 0x0000000100000000ull, make_alpha<8>("ACME"), 1000000, 9004, 'C'});
}

TEST(ItchCodec, brokenTradeMatchesSpecTable) {
  const std::string b = Wire(19).header('B', 1, 7, kTs).num(11, 8, 9003).done();
  check(b, BrokenTrade{hdr(1), 9003});
}

TEST(ItchCodec, noiiMatchesSpecTable) {
  const std::string b = Wire(50)
                            .header('I', 1, 7, kTs)
                            .num(11, 8, 1000)
                            .num(19, 8, 200)
                            .chr(27, 'B')
                            .alpha(28, 8, "ACME")
                            .num(36, 4, 1010000)
                            .num(40, 4, 1005000)
                            .num(44, 4, 1000000)
                            .chr(48, 'O')
                            .chr(49, 'L')
                            .done();
  check(b, Noii{hdr(1), 1000, 200, 'B', make_alpha<8>("ACME"), 1010000, 1005000, 1000000, 'O', 'L'});
}

TEST(ItchCodec, retailPriceImprovementMatchesSpecTable) {
  const std::string b = Wire(20).header('N', 1, 7, kTs).alpha(11, 8, "ACME").chr(19, 'A').done();
  check(b, RetailPriceImprovement{hdr(1), make_alpha<8>("ACME"), 'A'});
}

TEST(ItchCodec, directListingPriceDiscoveryMatchesSpecTable) {
  const std::string b = Wire(48)
                            .header('O', 1, 7, kTs)
                            .alpha(11, 8, "ACME")
                            .chr(19, 'Y')
                            .num(20, 4, 900000)
                            .num(24, 4, 1100000)
                            .num(28, 4, 1000000)
                            .num(32, 8, 36000000000000ull)
                            .num(40, 4, 950000)
                            .num(44, 4, 1050000)
                            .done();
  check(b, DirectListingPriceDiscovery{hdr(1), make_alpha<8>("ACME"), 'Y', 900000, 1100000, 1000000, 36000000000000ull,
                                       950000, 1050000});
}

// The 23 types and their lengths, as the spec's tables add up.
TEST(ItchCodec, messageSizeGivesEveryTypesLengthAndZeroOtherwise) {
  const std::string types = "SRHYLVWKJhAFECXDUPQBINO";
  const std::size_t sizes[] = {12, 39, 25, 20, 26, 35, 12, 28, 35, 21, 36, 40,
                               31, 36, 23, 19, 35, 44, 40, 19, 50, 20, 48};
  ASSERT_EQ(types.size(), 23u);
  for (std::size_t i = 0; i < types.size(); ++i) EXPECT_EQ(message_size(types[i]), sizes[i]) << types[i];
  for (int c = 0; c < 256; ++c) {
    if (types.find(static_cast<char>(c)) == std::string::npos) {
      EXPECT_EQ(message_size(static_cast<char>(c)), 0u) << c;
    }
  }
}

TEST(ItchCodec, decodeRejectsEveryWrongLengthWithoutReadingPastIt) {
  const std::string types = "SRHYLVWKJhAFECXDUPQBINO";
  for (char t : types) {
    const std::size_t n = message_size(t);
    std::string buf(n + 1, '\0');
    buf[0] = t;
    Message m = SystemEvent{};
    for (std::size_t len : {std::size_t{1}, n - 1, n + 1}) {
      // A copy of exactly len bytes, so ASan would catch a read past it.
      std::string exact = buf.substr(0, len);
      const DecodeStatus st = decode(exact.data(), exact.size(), &m);
      EXPECT_EQ(st.error, DecodeError::bad_length) << t << " " << len;
      char want[64];  // (snprintf: GCC 12's LTO warns falsely on the std::string concatenation)
      std::snprintf(want, sizeof want, "message '%c': length %zu, expected %zu", t, len, n);
      EXPECT_EQ(st.message(), want);
      EXPECT_EQ(m, Message(SystemEvent{})) << "written on error";
    }
  }
}

TEST(ItchCodec, decodeRejectsUnknownTypeAndEmptyInput) {
  Message m;
  const char z = 'z';
  DecodeStatus st = decode(&z, 1, &m);
  EXPECT_EQ(st.error, DecodeError::unknown_type);
  EXPECT_EQ(st.message(), "unknown message type 0x7a");
  const char ff = static_cast<char>(0xff);
  EXPECT_EQ(decode(&ff, 1, &m).message(), "unknown message type 0xff");
  st = decode(nullptr, 0, &m);
  EXPECT_EQ(st.error, DecodeError::empty);
  EXPECT_EQ(st.message(), "empty message (length 0)");
}

TEST(ItchCodec, encodeKeepsTheLow48BitsOfATimestamp) {
  AddOrder a;
  a.header.timestamp = kMaxTimestamp + 2;  // bit 48 set: does not fit
  char out[kMaxMessageSize];
  ASSERT_EQ(encode(a, out), 36u);
  Message back;
  ASSERT_TRUE(decode(out, 36, &back).ok());
  EXPECT_EQ(std::get<AddOrder>(back).header.timestamp, 1u);
}

TEST(ItchCodec, textFormatsTimestampsPricesAndNonPrintableCharacters) {
  EXPECT_EQ(format_timestamp(0), "0.000000000");
  EXPECT_EQ(format_timestamp(86399999999999ull), "86399.999999999");
  EXPECT_EQ(format_price4(0), "0.0000");
  EXPECT_EQ(format_price4(4294967295u), "429496.7295");
  EXPECT_EQ(format_price8(100000001ull), "1.00000001");
  SystemEvent s{Header{0, 1, 5}, '\n'};
  EXPECT_EQ(to_text(s), "S locate=0 track=1 ts=0.000000005 event=\\x0a");
  StockTradingAction h{Header{2, 0, 0}, make_alpha<8>("A B"), 'T', ' ', make_alpha<4>("")};
  EXPECT_EQ(to_text(h), "H locate=2 track=0 ts=0.000000000 stock=A\\sB state=T reserved=\\s reason=");
  MwcbDeclineLevel v{Header{}, 350000000000ull, 1, 0};
  EXPECT_EQ(to_text(v), "V locate=0 track=0 ts=0.000000000 level1=3500.00000000 level2=0.00000001 level3=0.00000000");
}

// Any bytes of a type's length are a valid message of that type: decoding
// then encoding gives the bytes back, and decoding that gives the same fields.
RC_GTEST_PROP(ItchCodecProperty, randomFieldValuesRoundTrip, ()) {
  const std::string types = "SRHYLVWKJhAFECXDUPQBINO";
  const char t = types[*rc::gen::inRange<std::size_t>(0, types.size())];
  const std::size_t n = message_size(t);
  auto body = *rc::gen::container<std::string>(n - 1, rc::gen::arbitrary<char>());
  const std::string bytes = std::string(1, t) + body;
  Message m;
  const DecodeStatus st = decode(bytes.data(), bytes.size(), &m);
  RC_ASSERT(st.ok());
  RC_ASSERT(message_type(m) == t);
  char out[kMaxMessageSize];
  const std::size_t len = encode(m, out);
  RC_ASSERT(std::string(out, len) == bytes);
  Message again;
  RC_ASSERT(decode(out, len, &again).ok());
  RC_ASSERT(again == m);
  RC_ASSERT(!to_text(m).empty());
}

}  // namespace
}  // namespace rialto::itch
