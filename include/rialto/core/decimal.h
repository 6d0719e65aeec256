// Exact decimal <-> tick conversion for the edge (script parser, gateway).
// No floating point anywhere: a price is either an exact multiple of the tick
// or it is rejected. Grammar and limits: docs/SEMANTICS.md#prices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rialto/core/types.h"

namespace rialto {

/// A tick size: mantissa / 10^scale, normalised (no trailing zero decimals).
/// 0.01 is {1, 2}; 0.5 is {5, 1}; 5 is {5, 0}; 0.50 is {5, 1}.
struct TickSize {
  uint64_t mantissa = 1;
  uint32_t scale = 0;
  friend bool operator==(const TickSize&, const TickSize&) = default;
};

inline constexpr uint32_t kMaxTickScale = 18;
inline constexpr uint64_t kMaxTickMantissa = 1'000'000'000'000'000'000ull;  // 10^18

/// True if `s` is `-?[0-9]+(\.[0-9]+)?`.
[[nodiscard]] bool is_decimal(std::string_view s);

/// Parses a tick: a decimal > 0 with at most 18 decimals and mantissa <= 10^18.
[[nodiscard]] std::optional<TickSize> parse_tick(std::string_view s);

struct TickConversion {
  PriceStatus status = PriceStatus::absent;
  Price ticks;  // meaningful when status == ok
};

/// Converts a decimal (precondition: is_decimal(s)) to ticks of `tick`:
/// non_positive, then out_of_range, then off_tick, else ok.
[[nodiscard]] TickConversion to_ticks(std::string_view s, const TickSize& tick);

/// Longest text format_price can write.
inline constexpr size_t kMaxPriceChars = 48;

/// Writes `ticks` as a decimal with exactly tick.scale decimals into `out`
/// (at least kMaxPriceChars bytes); returns the length.
size_t format_price(char* out, Price ticks, const TickSize& tick);
[[nodiscard]] std::string format_price(Price ticks, const TickSize& tick);


// ---- Wire decimals (mantissa x 10^exponent, the SBE decimal) ---------------

/// A decimal as the order-entry protocol carries it: mantissa x 10^exponent.
struct WireDecimal {
  int64_t mantissa = 0;
  int8_t exponent = 0;
  friend bool operator==(const WireDecimal&, const WireDecimal&) = default;
};

/// Converts a decimal text (precondition: is_decimal(s)) to the shortest wire
/// decimal of the same value (trailing zeros dropped); nullopt if it needs
/// more significant digits than an int64 mantissa holds, or an exponent
/// outside [-128, 127].
[[nodiscard]] std::optional<WireDecimal> to_wire(std::string_view s);

/// Converts a wire decimal to ticks of `tick`, exactly, with the statuses of
/// to_ticks(string): non_positive, then out_of_range, then off_tick, else ok.
/// Also out_of_range: a tick count whose wire form (to_wire(ticks, tick))
/// would not fit, so that every accepted price can be reported back.
[[nodiscard]] TickConversion to_ticks(WireDecimal d, const TickSize& tick);

/// The wire form of `ticks` of `tick`: mantissa ticks x tick.mantissa,
/// exponent -tick.scale; nullopt if the mantissa does not fit int64.
[[nodiscard]] std::optional<WireDecimal> to_wire(Price ticks, const TickSize& tick);

/// The wire form of a tick size (mantissa, -scale).
[[nodiscard]] WireDecimal to_wire(const TickSize& tick);

/// A tick size from its wire form, with parse_tick's limits; nullopt if invalid.
[[nodiscard]] std::optional<TickSize> tick_from_wire(WireDecimal d);

}  // namespace rialto
