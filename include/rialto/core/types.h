// Domain vocabulary shared by every module: strong number types, enums, the
// commands the engine accepts and the events it emits.
//
// Nothing here does I/O or allocates. Prices are integer ticks of the order's
// symbol; the decimal <-> tick conversion lives at the edge (core/decimal.h).
// The exact semantics of every command and event are in docs/SEMANTICS.md.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string_view>

namespace rialto {

// A number that cannot be mixed up with another kind of number by accident.
// Arithmetic is only offered where it means something (see the aliases below).
template <class Tag, class Rep>
class StrongInt {
 public:
  using rep = Rep;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(Rep v) : v_(v) {}
  [[nodiscard]] constexpr Rep value() const { return v_; }
  constexpr auto operator<=>(const StrongInt&) const = default;

 private:
  Rep v_{};
};

template <class Tag, class Rep>
class Quantity : public StrongInt<Tag, Rep> {
 public:
  using StrongInt<Tag, Rep>::StrongInt;
  constexpr Quantity operator+(Quantity o) const { return Quantity(this->value() + o.value()); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(this->value() - o.value()); }
  constexpr Quantity& operator+=(Quantity o) { return *this = *this + o; }
  constexpr Quantity& operator-=(Quantity o) { return *this = *this - o; }
  constexpr auto operator<=>(const Quantity&) const = default;
};

/// Price in integer ticks of the symbol (tick 0.01: 100.25 is Price{10025}).
using Price = Quantity<struct PriceTag, int64_t>;
/// Quantity in units (shares, contracts). Multiples of the symbol's lot.
using Qty = Quantity<struct QtyTag, int64_t>;
/// Order id, chosen by the edge that submits the order (the venue's gateway
/// mints them; a script names them). The engine requires it to be unique among
/// *resting* orders only; an edge may impose a stricter rule (docs/SEMANTICS.md).
using OrderId = StrongInt<struct OrderIdTag, uint64_t>;
/// Input sequence number: the n-th command the engine processed (first is 1).
using SeqNo = StrongInt<struct SeqNoTag, uint64_t>;
/// Dense index of a symbol in its engine, in order of definition.
using SymbolId = StrongInt<struct SymbolIdTag, uint32_t>;
/// Dense account id; kAnonymous never self-trades.
using AccountId = StrongInt<struct AccountIdTag, uint32_t>;

inline constexpr SymbolId kNoSymbol{std::numeric_limits<uint32_t>::max()};
inline constexpr AccountId kAnonymous{0};

enum class Side : uint8_t { buy, sell };
enum class OrderType : uint8_t { limit, market };
enum class TimeInForce : uint8_t { gtc, day, ioc, fok };
enum class StpMode : uint8_t { none, cancel_taker, cancel_maker, cancel_both };

[[nodiscard]] constexpr Side opposite(Side s) { return s == Side::buy ? Side::sell : Side::buy; }

/// Outcome of converting a decimal price to ticks at the edge. The engine turns
/// anything but `ok` (and `absent` where a price is optional) into a reject, in
/// the order docs/SEMANTICS.md gives.
enum class PriceStatus : uint8_t {
  absent,        // no price given
  ok,            // `price` holds the ticks (a count <= 0 is still invalid_price)
  non_positive,  // <= 0                        -> invalid_price
  out_of_range,  // ticks do not fit int64      -> invalid_price
  off_tick,      // not a multiple of the tick  -> price_not_on_tick
};

enum class RejectReason : uint8_t {
  none,
  duplicate_id,
  unknown_symbol,
  invalid_qty,
  invalid_price,
  price_not_on_tick,
  invalid_tif,
  would_cross,
  unknown_order,
  capacity,  // a configured limit (resting orders; an edge's id memory) is full; see docs/SEMANTICS.md
  halted,    // never the engine's: a shard whose journal failed answers every order input with it
};

/// Why a symbol definition was refused (Engine::check_symbol).
enum class SymbolError : uint8_t {
  none,
  too_many_symbols,  // EngineConfig::max_symbols are defined
  invalid_lot,       // lot < 1
  invalid_max_qty,   // max_qty < 1
  qty_overflow,      // max_qty x max_orders > INT64_MAX: a level's total could overflow
};

/// Which command an event answers (set on `rejected`).
enum class CommandType : uint8_t { none, new_order, cancel, modify };

enum class CancelReason : uint8_t { none, user, remainder, unfilled, self_trade, expired };

// ---- Commands ------------------------------------------------------------

struct NewOrder {
  OrderId id{};
  SymbolId symbol = kNoSymbol;  // kNoSymbol: the name was not defined
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;
  StpMode stp = StpMode::none;
  bool post_only = false;
  AccountId account = kAnonymous;
  Qty qty{};  // as given; out-of-int64 input arrives as Qty{0} (both are invalid_qty)
  Price price{};
  PriceStatus price_status = PriceStatus::absent;
  uint64_t tag = 0;  // the edge's own value for the order (a client order id); kept while it rests
};

struct CancelOrder {
  OrderId id{};
};

struct ModifyOrder {
  OrderId id{};
  bool has_qty = false;  // false: keep the open quantity
  Qty qty{};             // new *open* quantity
  Price price{};
  PriceStatus price_status = PriceStatus::absent;  // absent: keep the price
};

// ---- Events --------------------------------------------------------------

enum class EventType : uint8_t { accepted, rejected, trade, cancelled, modified, rested, book_update };

/// One flat event record; which fields mean something depends on `type`.
/// Each event carries what an execution report or a market-by-order message
/// needs, so an edge keeps no shadow state of the book:
///   accepted     id, symbol, side, order_type, tif, price (limit; 0 for market), qty (as ordered)
///   rejected     id, symbol (kNoSymbol if unknown), reject, command
///   trade        id = taker, maker, symbol, side = taker's side, price = maker's, qty = fill,
///                match (engine-wide trade number, first is 1), leaves = taker's open after
///                the fill, maker_leaves = maker's open after the fill
///   cancelled    id, symbol, side, price (the order's limit; 0 for market), cancel,
///                qty = open quantity removed
///   modified     id, symbol, side, price, qty = open quantity after the modify,
///                kept_priority (in place) or not (the order left its level and re-enters)
///   rested       id, symbol, side, price, qty = open quantity that now rests at the back
///                of its level (a new order's or a re-entering modify's remainder)
///   book_update  symbol, side, price, qty = level aggregate, count = orders at the level
/// Fields a type does not use are zero/default, so events compare with ==.
struct Event {
  SeqNo seq{};  // the input that caused it
  OrderId id{};
  OrderId maker{};
  uint64_t match = 0;
  Price price{};
  Qty qty{};
  Qty leaves{};
  Qty maker_leaves{};
  SymbolId symbol = kNoSymbol;
  uint32_t count = 0;
  EventType type = EventType::accepted;
  Side side = Side::buy;
  RejectReason reject = RejectReason::none;
  CancelReason cancel = CancelReason::none;
  CommandType command = CommandType::none;
  OrderType order_type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;
  bool kept_priority = false;

  friend bool operator==(const Event&, const Event&) = default;
};
static_assert(sizeof(Event) == 80, "an event is 80 bytes; keep the sinks' copies cheap");

/// Where an engine sends its events; chosen at compile time, called inline.
template <class S>
concept EventSink = requires(S& s, const Event& e) { s.on_event(e); };

// ---- Names ---------------------------------------------------------------
// The words used by the scenario format and docs; also handy in test output.

[[nodiscard]] std::string_view to_string(Side v);
[[nodiscard]] std::string_view to_string(OrderType v);
[[nodiscard]] std::string_view to_string(TimeInForce v);
[[nodiscard]] std::string_view to_string(StpMode v);
[[nodiscard]] std::string_view to_string(RejectReason v);
[[nodiscard]] std::string_view to_string(CancelReason v);
[[nodiscard]] std::string_view to_string(EventType v);
[[nodiscard]] std::string_view to_string(CommandType v);

}  // namespace rialto
