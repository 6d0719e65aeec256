#include "rialto/core/decimal.h"

#include <gtest/gtest.h>

#include <string>

namespace rialto {
namespace {

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

}  // namespace
}  // namespace rialto
