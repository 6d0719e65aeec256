#include "rialto/core/decimal.h"

#include <limits>

namespace rialto {
namespace {

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

struct DecimalParts {
  bool negative = false;
  std::string_view integer;   // leading zeros removed (may be empty)
  std::string_view fraction;  // trailing zeros removed (may be empty)
};

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Precondition: is_decimal(s).
DecimalParts split(std::string_view s) {
  DecimalParts p;
  if (s.front() == '-') {
    p.negative = true;
    s.remove_prefix(1);
  }
  size_t dot = s.find('.');
  std::string_view integer = s.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  while (!integer.empty() && integer.front() == '0') integer.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  p.integer = integer;
  p.fraction = fraction;
  return p;
}

constexpr u128 pow10_128(uint32_t n) {
  u128 r = 1;
  for (uint32_t i = 0; i < n; ++i) r *= 10;
  return r;
}

}  // namespace

bool is_decimal(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) return is_digits(s);
  return is_digits(s.substr(0, dot)) && is_digits(s.substr(dot + 1));
}

std::optional<TickSize> parse_tick(std::string_view s) {
  if (!is_decimal(s)) return std::nullopt;
  DecimalParts p = split(s);
  if (p.negative || (p.integer.empty() && p.fraction.empty())) return std::nullopt;
  if (p.fraction.size() > kMaxTickScale || p.integer.size() > 19) return std::nullopt;
  u128 m = 0;
  for (char c : p.integer) m = m * 10 + static_cast<u128>(c - '0');
  for (char c : p.fraction) m = m * 10 + static_cast<u128>(c - '0');
  if (m > kMaxTickMantissa) return std::nullopt;
  return TickSize{static_cast<uint64_t>(m), static_cast<uint32_t>(p.fraction.size())};
}

TickConversion to_ticks(std::string_view s, const TickSize& tick) {
  DecimalParts p = split(s);
  if (p.negative || (p.integer.empty() && p.fraction.empty())) return {PriceStatus::non_positive, {}};

  // Value truncated to tick.scale decimals, as an integer count of 10^-scale.
  // Saturates at kHuge: any such value divided by a mantissa <= 10^18 is still
  // above int64 max, so it is out of range.
  constexpr u128 kHuge = pow10_128(37);
  u128 grid = 0;
  auto push = [&](char c) {
    if (grid < kHuge) grid = grid * 10 + static_cast<u128>(c - '0');
  };
  for (char c : p.integer) push(c);
  for (uint32_t i = 0; i < tick.scale; ++i) push(i < p.fraction.size() ? p.fraction[i] : '0');
  if (grid >= kHuge) return {PriceStatus::out_of_range, {}};

  u128 q = grid / tick.mantissa;
  if (q > static_cast<u128>(std::numeric_limits<int64_t>::max())) return {PriceStatus::out_of_range, {}};
  if (grid % tick.mantissa != 0 || p.fraction.size() > tick.scale) return {PriceStatus::off_tick, {}};
  return {PriceStatus::ok, Price(static_cast<int64_t>(q))};
}

size_t format_price(char* out, Price ticks, const TickSize& tick) {
  i128 v = static_cast<i128>(ticks.value()) * static_cast<i128>(tick.mantissa);
  size_t n = 0;
  if (v < 0) {
    out[n++] = '-';
    v = -v;
  }
  u128 mag = static_cast<u128>(v);
  char digits[48];
  size_t d = 0;
  do {
    digits[d++] = static_cast<char>('0' + static_cast<int>(mag % 10));
    mag /= 10;
  } while (mag != 0);
  while (d <= tick.scale) digits[d++] = '0';  // at least one integer digit
  for (size_t i = d; i-- > 0;) {
    out[n++] = digits[i];
    if (i == tick.scale && i != 0) out[n++] = '.';
  }
  return n;
}

std::string format_price(Price ticks, const TickSize& tick) {
  char buf[kMaxPriceChars];
  return std::string(buf, format_price(buf, ticks, tick));
}

// ---- Wire decimals ---------------------------------------------------------
//
// The wire mantissa kNullInt64 (INT64_MIN) means "no price" in the protocol,
// so no conversion here produces it: a mantissa's magnitude is at most
// INT64_MAX.

namespace {

constexpr u128 kInt64Max = static_cast<u128>(std::numeric_limits<int64_t>::max());

// Any value whose count of 10^-scale units reaches this is out of range for
// every tick (it divided by a mantissa <= 10^18 is still above int64 max);
// times 10 it still fits u128, so saturating arithmetic can stop here.
constexpr u128 kHugeGrid = pow10_128(37);

}  // namespace

std::optional<WireDecimal> to_wire(std::string_view s) {
  DecimalParts p = split(s);
  std::string_view integer = p.integer;
  std::string_view fraction = p.fraction;
  int exponent = 0;
  if (fraction.empty()) {
    size_t zeros = 0;
    while (zeros < integer.size() && integer[integer.size() - 1 - zeros] == '0') ++zeros;
    if (zeros == integer.size()) return WireDecimal{0, 0};  // zero, however written
    if (zeros > 127) return std::nullopt;
    integer.remove_suffix(zeros);
    exponent = static_cast<int>(zeros);
  } else {
    if (fraction.size() > 128) return std::nullopt;
    exponent = -static_cast<int>(fraction.size());
    if (integer.empty()) {  // 0.00xy: the fraction's leading zeros are not significant
      while (fraction.front() == '0') fraction.remove_prefix(1);
    }
  }
  if (integer.size() + fraction.size() > 19) return std::nullopt;  // 19 digits fit u128 trivially
  u128 m = 0;
  for (char c : integer) m = m * 10 + static_cast<u128>(c - '0');
  for (char c : fraction) m = m * 10 + static_cast<u128>(c - '0');
  if (m > kInt64Max) return std::nullopt;
  const auto mantissa = static_cast<int64_t>(m);
  return WireDecimal{p.negative ? -mantissa : mantissa, static_cast<int8_t>(exponent)};
}

TickConversion to_ticks(WireDecimal d, const TickSize& tick) {
  if (d.mantissa <= 0) return {PriceStatus::non_positive, {}};
  // grid = the value truncated to tick.scale decimals, in units of 10^-scale;
  // `rest` is what the truncation dropped (non-zero: more decimals than the tick).
  const int shift = static_cast<int>(d.exponent) + static_cast<int>(tick.scale);
  const auto m = static_cast<u128>(d.mantissa);
  u128 grid = m;
  u128 rest = 0;
  if (shift >= 0) {
    for (int i = 0; i < shift && grid < kHugeGrid; ++i) grid *= 10;
    if (grid >= kHugeGrid) return {PriceStatus::out_of_range, {}};
  } else if (-shift > 38) {  // 10^39 > any mantissa: the whole value is below 10^-scale
    grid = 0;
    rest = m;
  } else {
    const u128 div = pow10_128(static_cast<uint32_t>(-shift));
    grid = m / div;
    rest = m % div;
  }
  const u128 q = grid / tick.mantissa;
  if (q > kInt64Max) return {PriceStatus::out_of_range, {}};
  // Every accepted price must be reportable: its wire mantissa is q x tick.mantissa.
  if (q * tick.mantissa > kInt64Max) return {PriceStatus::out_of_range, {}};
  if (rest != 0 || grid % tick.mantissa != 0) return {PriceStatus::off_tick, {}};
  return {PriceStatus::ok, Price(static_cast<int64_t>(q))};
}

std::optional<WireDecimal> to_wire(Price ticks, const TickSize& tick) {
  const i128 v = static_cast<i128>(ticks.value()) * static_cast<i128>(tick.mantissa);
  if (v > static_cast<i128>(kInt64Max) || v < -static_cast<i128>(kInt64Max)) return std::nullopt;
  return WireDecimal{static_cast<int64_t>(v), static_cast<int8_t>(-static_cast<int>(tick.scale))};
}

WireDecimal to_wire(const TickSize& tick) {
  return WireDecimal{static_cast<int64_t>(tick.mantissa), static_cast<int8_t>(-static_cast<int>(tick.scale))};
}

std::optional<TickSize> tick_from_wire(WireDecimal d) {
  if (d.mantissa <= 0) return std::nullopt;
  auto m = static_cast<u128>(d.mantissa);
  int exponent = d.exponent;
  while (exponent < 0 && m % 10 == 0) {  // normalise: no trailing zero decimals
    m /= 10;
    ++exponent;
  }
  if (exponent < -static_cast<int>(kMaxTickScale)) return std::nullopt;
  for (; exponent > 0; --exponent) {
    m *= 10;
    if (m > kMaxTickMantissa) return std::nullopt;
  }
  if (m > kMaxTickMantissa) return std::nullopt;
  return TickSize{static_cast<uint64_t>(m), static_cast<uint32_t>(-exponent)};
}

}  // namespace rialto
