#include "rialto/core/decimal.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <limits>
#include <optional>
#include <string>

namespace rialto {
namespace {

__extension__ typedef __int128 i128;

TickSize tick(std::string_view s) {
  auto t = parse_tick(s);
  EXPECT_TRUE(t.has_value()) << s;
  return t.value_or(TickSize{});
}

TEST(Decimal, shouldAcceptOnlyPlainDecimals) {
  for (std::string_view ok : {"0", "1", "-1", "100.25", "-0.5", "007", "0.000"}) EXPECT_TRUE(is_decimal(ok)) << ok;
  for (std::string_view bad : {"", "-", "+5", "1e5", ".5", "5.", "1.2.3", "abc", "1,5", " 1", "--1", "0x10"}) {
    EXPECT_FALSE(is_decimal(bad)) << bad;
  }
}

TEST(Decimal, shouldNormaliseTicks) {
  EXPECT_EQ(tick("0.01"), (TickSize{1, 2}));
  EXPECT_EQ(tick("0.50"), (TickSize{5, 1}));
  EXPECT_EQ(tick("5"), (TickSize{5, 0}));
  EXPECT_EQ(tick("0.005"), (TickSize{5, 3}));
  EXPECT_EQ(tick("1000000000000000000"), (TickSize{1'000'000'000'000'000'000ull, 0}));
  EXPECT_EQ(tick("0.000000000000000001"), (TickSize{1, 18}));
}

TEST(Decimal, shouldRefuseTicksOutOfLimits) {
  for (std::string_view bad : {"0", "0.00", "-0.01", "-1", "0.0000000000000000001", "1000000000000000001", "abc"}) {
    EXPECT_FALSE(parse_tick(bad).has_value()) << bad;
  }
}

TEST(Decimal, shouldConvertExactMultiplesOfTheTick) {
  auto c = to_ticks("100.25", tick("0.01"));
  EXPECT_EQ(c.status, PriceStatus::ok);
  EXPECT_EQ(c.ticks, Price{10025});
  EXPECT_EQ(to_ticks("100.005", tick("0.005")).ticks, Price{20001});
  EXPECT_EQ(to_ticks("99.5", tick("0.5")).ticks, Price{199});
  EXPECT_EQ(to_ticks("100", tick("0.01")).ticks, Price{10000});
  EXPECT_EQ(to_ticks("100.2500000000000000000000", tick("0.01")).ticks, Price{10025});
  EXPECT_EQ(to_ticks("000100.10", tick("0.05")).ticks, Price{2002});
  EXPECT_EQ(to_ticks("250", tick("50")).ticks, Price{5});
}

TEST(Decimal, shouldClassifyBadPricesInOrder) {
  TickSize cent = tick("0.01");
  EXPECT_EQ(to_ticks("0", cent).status, PriceStatus::non_positive);
  EXPECT_EQ(to_ticks("-0", cent).status, PriceStatus::non_positive);
  EXPECT_EQ(to_ticks("0.00", cent).status, PriceStatus::non_positive);
  EXPECT_EQ(to_ticks("-5.001", cent).status, PriceStatus::non_positive);  // <= 0 wins over off tick
  EXPECT_EQ(to_ticks("100.001", cent).status, PriceStatus::off_tick);
  EXPECT_EQ(to_ticks("0.001", cent).status, PriceStatus::off_tick);
  EXPECT_EQ(to_ticks("100.0000000000000000000000000001", cent).status, PriceStatus::off_tick);
  EXPECT_EQ(to_ticks("250", tick("100")).status, PriceStatus::off_tick);
  // int64 max is 9223372036854775807 ticks = 92233720368547758.07 at tick 0.01.
  EXPECT_EQ(to_ticks("92233720368547758.07", cent).status, PriceStatus::ok);
  EXPECT_EQ(to_ticks("92233720368547758.07", cent).ticks, Price{INT64_MAX});
  EXPECT_EQ(to_ticks("92233720368547758.08", cent).status, PriceStatus::out_of_range);
  EXPECT_EQ(to_ticks("92233720368547758.085", cent).status, PriceStatus::out_of_range);  // range wins over tick
  EXPECT_EQ(to_ticks(std::string(400, '9'), cent).status, PriceStatus::out_of_range);
  EXPECT_EQ(to_ticks("9223372036854775807", tick("1")).status, PriceStatus::ok);
  EXPECT_EQ(to_ticks("9223372036854775808", tick("1")).status, PriceStatus::out_of_range);
}

TEST(Decimal, shouldFormatWithTheTicksDecimals) {
  EXPECT_EQ(format_price(Price{10000}, tick("0.01")), "100.00");
  EXPECT_EQ(format_price(Price{20001}, tick("0.005")), "100.005");
  EXPECT_EQ(format_price(Price{100}, tick("1")), "100");
  EXPECT_EQ(format_price(Price{199}, tick("0.5")), "99.5");
  EXPECT_EQ(format_price(Price{199}, tick("0.50")), "99.5");
  EXPECT_EQ(format_price(Price{5}, tick("0.01")), "0.05");
  EXPECT_EQ(format_price(Price{5}, tick("50")), "250");
  EXPECT_EQ(format_price(Price{INT64_MAX}, tick("0.01")), "92233720368547758.07");
  EXPECT_EQ(format_price(Price{INT64_MAX}, tick("1000000000000000000")), "9223372036854775807000000000000000000");
}

TEST(Decimal, shouldRoundTripEveryPriceItFormats) {
  for (std::string_view t : {"0.01", "0.005", "1", "0.5", "0.25", "0.000001"}) {
    TickSize ts = tick(t);
    for (int64_t p : {int64_t{1}, int64_t{7}, int64_t{10}, int64_t{12345}, int64_t{999999999}}) {
      std::string s = format_price(Price{p}, ts);
      auto c = to_ticks(s, ts);
      EXPECT_EQ(c.status, PriceStatus::ok) << s;
      EXPECT_EQ(c.ticks, Price{p}) << s;
    }
  }
}

// ---- Wire decimals ---------------------------------------------------------

std::optional<WireDecimal> W(int64_t m, int e) { return WireDecimal{m, static_cast<int8_t>(e)}; }

// head, then n zeros, then tail (appended: GCC 12 at -O3 warns falsely on
// "literal" + std::string).
std::string zeros(std::string_view head, size_t n, std::string_view tail = "") {
  std::string s(head);
  s.append(n, '0');
  s.append(tail);
  return s;
}

TEST(WireDecimal, shouldConvertTextToTheShortestWireForm) {
  EXPECT_EQ(to_wire("100.25"), W(10025, -2));
  EXPECT_EQ(to_wire("100.250"), W(10025, -2));
  EXPECT_EQ(to_wire("100"), W(1, 2));
  EXPECT_EQ(to_wire("100.00"), W(1, 2));
  EXPECT_EQ(to_wire("000100.10"), W(1001, -1));
  EXPECT_EQ(to_wire("0.005"), W(5, -3));
  EXPECT_EQ(to_wire("0.0050"), W(5, -3));
  EXPECT_EQ(to_wire("7"), W(7, 0));
  EXPECT_EQ(to_wire("-1.5"), W(-15, -1));
  EXPECT_EQ(to_wire("-100"), W(-1, 2));
  EXPECT_EQ(to_wire("0"), W(0, 0));
  EXPECT_EQ(to_wire("-0"), W(0, 0));
  EXPECT_EQ(to_wire("0.000"), W(0, 0));
  EXPECT_EQ(to_wire("00000"), W(0, 0));
  EXPECT_EQ(to_wire("10.01"), W(1001, -2));
}

TEST(WireDecimal, shouldRefuseTextThatDoesNotFitTheWire) {
  // 19 significant digits up to INT64_MAX fit; one more does not.
  EXPECT_EQ(to_wire("9223372036854775807"), W(INT64_MAX, 0));
  EXPECT_EQ(to_wire("-9223372036854775807"), W(-INT64_MAX, 0));
  EXPECT_EQ(to_wire("922337203.6854775807"), W(INT64_MAX, -10));
  EXPECT_EQ(to_wire("9223372036854775808"), std::nullopt);
  EXPECT_EQ(to_wire("-9223372036854775808"), std::nullopt);  // INT64_MIN is the wire's null
  EXPECT_EQ(to_wire("12345678901234567891"), std::nullopt);
  EXPECT_EQ(to_wire("12345678901234567890"), W(1234567890123456789, 1));
  EXPECT_EQ(to_wire("1.0000000000000000001"), std::nullopt);
  // Trailing and leading zeros are not significant digits.
  EXPECT_EQ(to_wire("92233720368547758070000000000"), W(INT64_MAX, 10));
  EXPECT_EQ(to_wire("92233720368547758080000000000"), std::nullopt);
  EXPECT_EQ(to_wire("0.000000000000000000000000009223372036854775807"), W(INT64_MAX, -45));
  // Exponents: [-128, 127].
  EXPECT_EQ(to_wire(zeros("1", 127)), W(1, 127));
  EXPECT_EQ(to_wire(zeros("1", 128)), std::nullopt);
  EXPECT_EQ(to_wire(zeros("0.", 127, "1")), W(1, -128));
  EXPECT_EQ(to_wire(zeros("0.", 128, "1")), std::nullopt);
  EXPECT_EQ(to_wire(zeros("0.", 400)), W(0, 0));
}

TEST(WireDecimal, shouldConvertWireToTicksExactly) {
  TickSize cent = tick("0.01");
  EXPECT_EQ(to_ticks(WireDecimal{10025, -2}, cent).status, PriceStatus::ok);
  EXPECT_EQ(to_ticks(WireDecimal{10025, -2}, cent).ticks, Price{10025});
  EXPECT_EQ(to_ticks(WireDecimal{100250, -3}, cent).ticks, Price{10025});
  EXPECT_EQ(to_ticks(WireDecimal{1, 2}, cent).ticks, Price{10000});
  EXPECT_EQ(to_ticks(WireDecimal{100, 0}, cent).ticks, Price{10000});
  EXPECT_EQ(to_ticks(WireDecimal{1001, -1}, tick("0.05")).ticks, Price{2002});
  EXPECT_EQ(to_ticks(WireDecimal{20001 * 5, -3}, tick("0.005")).ticks, Price{20001});
  EXPECT_EQ(to_ticks(WireDecimal{25, 1}, tick("50")).ticks, Price{5});
  EXPECT_EQ(to_ticks(WireDecimal{1000, -50}, tick("0.000000000000000001")).status, PriceStatus::off_tick);
  EXPECT_EQ(to_ticks(WireDecimal{1, -18}, tick("0.000000000000000001")).ticks, Price{1});
  EXPECT_EQ(to_ticks(WireDecimal{INT64_MAX, -2}, cent).ticks, Price{INT64_MAX});
  EXPECT_EQ(to_ticks(WireDecimal{INT64_MAX, 0}, tick("1")).ticks, Price{INT64_MAX});
}

TEST(WireDecimal, shouldClassifyBadWirePricesInOrder) {
  TickSize cent = tick("0.01");
  EXPECT_EQ(to_ticks(WireDecimal{0, 0}, cent).status, PriceStatus::non_positive);
  EXPECT_EQ(to_ticks(WireDecimal{0, 100}, cent).status, PriceStatus::non_positive);
  EXPECT_EQ(to_ticks(WireDecimal{-1, -3}, cent).status, PriceStatus::non_positive);  // <= 0 wins over off tick
  EXPECT_EQ(to_ticks(WireDecimal{-1, 127}, cent).status, PriceStatus::non_positive);  // and over range
  EXPECT_EQ(to_ticks(WireDecimal{INT64_MIN, 0}, cent).status, PriceStatus::non_positive);
  EXPECT_EQ(to_ticks(WireDecimal{100001, -3}, cent).status, PriceStatus::off_tick);
  EXPECT_EQ(to_ticks(WireDecimal{1, -3}, cent).status, PriceStatus::off_tick);  // below one tick
  EXPECT_EQ(to_ticks(WireDecimal{1, -128}, cent).status, PriceStatus::off_tick);
  EXPECT_EQ(to_ticks(WireDecimal{INT64_MAX, -128}, cent).status, PriceStatus::off_tick);
  EXPECT_EQ(to_ticks(WireDecimal{25, 1}, tick("100")).status, PriceStatus::off_tick);
  EXPECT_EQ(to_ticks(WireDecimal{1, 16}, cent).status, PriceStatus::ok);  // 10^18 hundredths
  EXPECT_EQ(to_ticks(WireDecimal{1, 16}, cent).ticks, Price{1'000'000'000'000'000'000});
  // Out of range: the tick count (rounded down) above INT64_MAX...
  EXPECT_EQ(to_ticks(WireDecimal{1, 17}, cent).status, PriceStatus::out_of_range);  // 10^19 hundredths
  EXPECT_EQ(to_ticks(WireDecimal{1, 127}, cent).status, PriceStatus::out_of_range);
  EXPECT_EQ(to_ticks(WireDecimal{INT64_MAX, 127}, tick("1000000000000000000")).status, PriceStatus::out_of_range);
  EXPECT_EQ(to_ticks(WireDecimal{1, 37}, tick("1000000000000000000")).status, PriceStatus::out_of_range);
  EXPECT_EQ(to_ticks(WireDecimal{9223372036854775807, 18}, tick("1000000000000000000")).status,
            PriceStatus::out_of_range);  // exactly INT64_MAX ticks, but its wire mantissa would not fit
  // ...or a tick count whose wire form (ticks x tick mantissa) does not fit int64.
  TickSize five = tick("5");
  const int64_t most = INT64_MAX / 5;  // 1844674407370955161: x5 = ...805 fits
  EXPECT_EQ(to_ticks(WireDecimal{most * 5, 0}, five).status, PriceStatus::ok);
  EXPECT_EQ(to_ticks(WireDecimal{most * 5, 0}, five).ticks, Price{most});
  EXPECT_EQ(to_ticks(WireDecimal{(most + 1) / 2, 1}, five).status, PriceStatus::out_of_range);  // (most+1) x 5
  EXPECT_EQ(to_ticks(WireDecimal{INT64_MAX, 0}, five).status, PriceStatus::off_tick);  // floor count fits
  EXPECT_EQ(to_ticks(WireDecimal{most * 5 - 3, 0}, five).status, PriceStatus::off_tick);
  // Range wins over the tick (the text form does the same).
  EXPECT_EQ(to_ticks(WireDecimal{922337203685477581, 0}, tick("0.0000000003")).status, PriceStatus::out_of_range);
  EXPECT_EQ(to_ticks("922337203685477581", tick("0.0000000003")).status, PriceStatus::out_of_range);
}

TEST(WireDecimal, shouldWriteTicksAsMantissaAndTickExponent) {
  EXPECT_EQ(to_wire(Price{10025}, tick("0.01")), W(10025, -2));
  EXPECT_EQ(to_wire(Price{10}, tick("0.01")), W(10, -2));  // not shortened
  EXPECT_EQ(to_wire(Price{20001}, tick("0.005")), W(100005, -3));
  EXPECT_EQ(to_wire(Price{5}, tick("50")), W(250, 0));
  EXPECT_EQ(to_wire(Price{0}, tick("0.01")), W(0, -2));
  EXPECT_EQ(to_wire(Price{-3}, tick("0.5")), W(-15, -1));
  EXPECT_EQ(to_wire(Price{INT64_MAX}, tick("1")), W(INT64_MAX, 0));
  EXPECT_EQ(to_wire(Price{-INT64_MAX}, tick("1")), W(-INT64_MAX, 0));
  EXPECT_EQ(to_wire(Price{INT64_MIN}, tick("1")), std::nullopt);  // would be the wire's null
  EXPECT_EQ(to_wire(Price{INT64_MAX / 5}, tick("5")), W(INT64_MAX / 5 * 5, 0));
  EXPECT_EQ(to_wire(Price{INT64_MAX / 5 + 1}, tick("5")), std::nullopt);
  EXPECT_EQ(to_wire(Price{10}, tick("1000000000000000000")), std::nullopt);
  EXPECT_EQ(to_wire(Price{9}, tick("1000000000000000000")), W(9'000'000'000'000'000'000, 0));
}

TEST(WireDecimal, shouldWriteAndReadTickSizes) {
  EXPECT_EQ(to_wire(tick("0.01")), (WireDecimal{1, -2}));
  EXPECT_EQ(to_wire(tick("0.50")), (WireDecimal{5, -1}));
  EXPECT_EQ(to_wire(tick("50")), (WireDecimal{50, 0}));
  EXPECT_EQ(to_wire(tick("0.000000000000000001")), (WireDecimal{1, -18}));
  EXPECT_EQ(to_wire(tick("1000000000000000000")), (WireDecimal{1'000'000'000'000'000'000, 0}));

  EXPECT_EQ(tick_from_wire({1, -2}), (TickSize{1, 2}));
  EXPECT_EQ(tick_from_wire({50, -2}), (TickSize{5, 1}));  // normalised like parse_tick("0.50")
  EXPECT_EQ(tick_from_wire({5, 1}), (TickSize{50, 0}));
  EXPECT_EQ(tick_from_wire({50, 0}), (TickSize{50, 0}));
  EXPECT_EQ(tick_from_wire({1, 18}), (TickSize{1'000'000'000'000'000'000, 0}));
  EXPECT_EQ(tick_from_wire({1'000'000'000'000'000'000, 0}), (TickSize{1'000'000'000'000'000'000, 0}));
  EXPECT_EQ(tick_from_wire({1, -18}), (TickSize{1, 18}));
  EXPECT_EQ(tick_from_wire({10, -19}), (TickSize{1, 18}));
  EXPECT_EQ(tick_from_wire({1'000'000'000'000'000'000, -36}), (TickSize{1, 18}));
  EXPECT_EQ(tick_from_wire({1'000'000'000'000'000'000, -18}), (TickSize{1, 0}));
  // parse_tick's limits.
  EXPECT_EQ(tick_from_wire({0, 0}), std::nullopt);
  EXPECT_EQ(tick_from_wire({0, -2}), std::nullopt);
  EXPECT_EQ(tick_from_wire({-1, -2}), std::nullopt);
  EXPECT_EQ(tick_from_wire({1, -19}), std::nullopt);
  EXPECT_EQ(tick_from_wire({1, -128}), std::nullopt);
  EXPECT_EQ(tick_from_wire({1, 19}), std::nullopt);
  EXPECT_EQ(tick_from_wire({1, 127}), std::nullopt);
  EXPECT_EQ(tick_from_wire({1'000'000'000'000'000'001, 0}), std::nullopt);
  EXPECT_EQ(tick_from_wire({1'000'000'000'000'000'001, -1}), std::nullopt);  // 18 digits after the point? no: mantissa
  EXPECT_EQ(tick_from_wire({INT64_MAX, 0}), std::nullopt);
  EXPECT_EQ(tick_from_wire({2, 18}), std::nullopt);
}

// ---- Properties --------------------------------------------------------------

// A normalised tick: scale 0..18, mantissa 1..10^18, no trailing zero decimals;
// often a "round" one (a single digit), as real ticks are.
rc::Gen<TickSize> genTick() {
  return rc::gen::map(
      rc::gen::tuple(rc::gen::inRange<uint32_t>(0, kMaxTickScale + 1), rc::gen::inRange<uint64_t>(1, kMaxTickMantissa + 1),
                     rc::gen::inRange<uint64_t>(1, 10), rc::gen::arbitrary<bool>()),
      [](std::tuple<uint32_t, uint64_t, uint64_t, bool> t) {
        auto [scale, big, small, round] = t;
        TickSize ts{round ? small : big, scale};
        while (ts.scale > 0 && ts.mantissa % 10 == 0) {
          ts.mantissa /= 10;
          --ts.scale;
        }
        return ts;
      });
}

std::string digits(const std::vector<int>& v) {
  std::string s;
  for (int d : v) s += static_cast<char>('0' + d);
  return s;
}

// A decimal text: random digits, or a multiple of the tick near the int64
// limits, with extra zeros or a stray digit.
std::string genDecimalText(const TickSize& t) {
  auto gd = rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 10));
  // Built by appending only (GCC 12 at -O3 warns falsely on string prefixes).
  std::string s = *rc::gen::inRange(0, 8) == 0 ? "-" : "";
  if (*rc::gen::arbitrary<bool>()) {
    s += digits(*rc::gen::resize(22, rc::gen::nonEmpty(gd)));
    if (*rc::gen::arbitrary<bool>()) s.append(".").append(digits(*rc::gen::resize(22, rc::gen::nonEmpty(gd))));
    return s;
  }
  const int64_t limit = INT64_MAX / static_cast<int64_t>(t.mantissa);  // the most ticks with a wire form
  const int64_t count = *rc::gen::oneOf(rc::gen::inRange<int64_t>(1, INT64_MAX), rc::gen::inRange<int64_t>(1, 1000),
                                        rc::gen::inRange<int64_t>(limit > 3 ? limit - 3 : 1,
                                                                  limit < INT64_MAX - 4 ? limit + 4 : INT64_MAX));
  const std::string price = format_price(Price{count}, t);
  const bool has_point = price.find('.') != std::string::npos;
  switch (*rc::gen::inRange(0, 4)) {
    case 0: s += price; break;
    case 1: s.append(price).append(has_point ? "000" : ".000"); break;  // same value
    case 2: s.append(price).append(has_point ? "5" : ".5"); break;      // off the tick
    default: s.append("000").append(price); break;                      // leading zeros
  }
  return s;
}

// a >= b for non-negative decimal texts.
bool decimal_ge(std::string_view a, std::string_view b) {
  auto parts = [](std::string_view s) {
    size_t dot = s.find('.');
    std::string_view i = s.substr(0, dot);
    std::string f(dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1));
    while (!i.empty() && i.front() == '0') i.remove_prefix(1);
    f.resize(200, '0');
    return std::pair<std::string, std::string>(std::string(i), f);
  };
  auto [ai, af] = parts(a);
  auto [bi, bf] = parts(b);
  if (ai.size() != bi.size()) return ai.size() > bi.size();
  return std::make_pair(ai, af) >= std::make_pair(bi, bf);
}

RC_GTEST_PROP(WireDecimalProperty, textAndWireGiveTheSameTicks, ()) {
  const TickSize t = *genTick();
  const std::string text = genDecimalText(t);
  RC_TAG(t.mantissa == 1 ? "unit mantissa" : "mantissa > 1");
  const std::optional<WireDecimal> w = to_wire(text);
  if (!w) {
    RC_TAG("no wire form");
    return;
  }
  const TickConversion a = to_ticks(*w, t);
  const TickConversion b = to_ticks(text, t);
  RC_TAG(static_cast<int>(b.status));
  if (a.status == b.status && (a.status != PriceStatus::ok || a.ticks == b.ticks)) return;
  // The one documented difference: out_of_range because the tick count's
  // wire form (count x tick.mantissa) would not fit, i.e. the value is at
  // least (INT64_MAX / mantissa + 1) ticks.
  RC_TAG("wire out of range");
  RC_ASSERT(a.status == PriceStatus::out_of_range);
  RC_ASSERT(b.status == PriceStatus::ok || b.status == PriceStatus::off_tick);
  RC_ASSERT(t.mantissa > 1);
  const std::string limit = format_price(Price{INT64_MAX / static_cast<int64_t>(t.mantissa) + 1}, t);
  RC_ASSERT(decimal_ge(text, limit));
}

RC_GTEST_PROP(WireDecimalProperty, ticksRoundTripThroughTheWire, ()) {
  const TickSize t = *genTick();
  const int64_t limit = INT64_MAX / static_cast<int64_t>(t.mantissa);  // the most ticks with a wire form
  const int64_t count = *rc::gen::oneOf(rc::gen::inRange<int64_t>(1, INT64_MAX), rc::gen::inRange<int64_t>(1, 100000),
                                        rc::gen::just(limit), rc::gen::just(limit < INT64_MAX ? limit + 1 : limit));
  const std::optional<WireDecimal> w = to_wire(Price{count}, t);
  const bool fits = static_cast<i128>(count) * t.mantissa <= INT64_MAX;
  RC_ASSERT(w.has_value() == fits);
  if (!w) return;
  RC_ASSERT(w->exponent == -static_cast<int>(t.scale));
  const TickConversion back = to_ticks(*w, t);
  RC_ASSERT(back.status == PriceStatus::ok);
  RC_ASSERT(back.ticks == Price{count});
  // The text the script prints has the same value (in its shortest form).
  const std::optional<WireDecimal> from_text = to_wire(format_price(Price{count}, t));
  RC_ASSERT(from_text.has_value());
  const TickConversion again = to_ticks(*from_text, t);
  RC_ASSERT(again.status == PriceStatus::ok);
  RC_ASSERT(again.ticks == Price{count});
}

RC_GTEST_PROP(WireDecimalProperty, tickSizesRoundTripThroughTheWire, ()) {
  const TickSize t = *genTick();
  RC_ASSERT(tick_from_wire(to_wire(t)) == std::optional<TickSize>(t));
  RC_ASSERT(parse_tick(format_price(Price{1}, t)) == std::optional<TickSize>(t));
}

}  // namespace
}  // namespace rialto
