// The reference model: a deliberately naive second implementation of
// docs/SEMANTICS.md, used only by tests as the oracle for rialto::engine.
//
// It is written from the specification text, not from the engine, and trades
// every bit of speed for being obviously right: a std::map of price to a
// std::list of orders per book side, a std::set of used ids, linear scans to
// find an order. Each rule of the specification maps to one visible piece of
// code that can be checked against the text by reading it.
//
// Thread safety: none; one thread owns a model.
//
// Invariants (between commands):
//   - every level in a book side holds at least one order, each with open > 0;
//   - an id rests at most once, across all symbols and sides;
//   - every resting id is in accepted_ids_ (every id ever accepted);
//   - number of resting orders <= limits.max_orders,
//     under IdRule::lifetime accepted_ids_.size() <= limits.max_order_ids.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <set>
#include <vector>

#include "rialto/core/types.h"

namespace rialto::model {

/// Same fields and defaults as rialto::engine::SymbolSpec.
struct SymbolSpec {
  Qty lot{1};
  Qty max_qty{1'000'000'000};
};

/// Which ids `duplicate_id` refuses: the engine's rule (an id of a resting
/// order) or the scenario format's (an id of any order accepted so far,
/// enforced by the script adapter over the engine).
enum class IdRule : uint8_t { resting, lifetime };

/// The rule set and configured limits of docs/SEMANTICS.md (`capacity`).
struct Limits {
  uint64_t max_orders = UINT64_MAX;     // resting orders, all symbols together
  IdRule ids = IdRule::resting;
  uint64_t max_order_ids = UINT64_MAX;  // ids ever accepted (IdRule::lifetime only)
};

struct LevelSnapshot {
  Price price;
  Qty total;
  uint32_t count = 0;
  friend bool operator==(const LevelSnapshot&, const LevelSnapshot&) = default;
};

struct OrderSnapshot {
  OrderId id;
  Price price;
  Qty open;
  AccountId account;
  TimeInForce tif = TimeInForce::gtc;
  StpMode stp = StpMode::none;
  bool post_only = false;
  friend bool operator==(const OrderSnapshot&, const OrderSnapshot&) = default;
};

class ReferenceModel {
 public:
  explicit ReferenceModel(Limits limits = {}) : limits_(limits) {}

  /// Defines the next symbol (not a command: no sequence number).
  SymbolId add_symbol(const SymbolSpec& spec);

  void submit(const NewOrder& cmd);
  void cancel(const CancelOrder& cmd);
  void modify(const ModifyOrder& cmd);
  void expire();

  /// Every event emitted since construction or the last clear_events().
  [[nodiscard]] const std::vector<Event>& events() const { return events_; }
  void clear_events() { events_.clear(); }

  /// Levels of one side, best first.
  [[nodiscard]] std::vector<LevelSnapshot> levels(SymbolId symbol, Side side) const;
  /// Resting orders of one side in priority order (best level first, FIFO within).
  [[nodiscard]] std::vector<OrderSnapshot> orders(SymbolId symbol, Side side) const;
  [[nodiscard]] uint64_t resting_orders() const;
  [[nodiscard]] uint32_t symbol_count() const { return static_cast<uint32_t>(books_.size()); }

 private:
  struct Order {
    OrderId id;
    SymbolId symbol;
    Side side = Side::buy;
    OrderType type = OrderType::limit;
    TimeInForce tif = TimeInForce::gtc;
    StpMode stp = StpMode::none;
    bool post_only = false;
    AccountId account;
    Price price;  // meaningless for market orders
    Qty open;
    uint64_t accepted_no = 0;  // acceptance order, for expire()
  };

  // Price (ticks) -> FIFO of the orders resting there. Bids are best at the
  // highest key, asks at the lowest; a level with no order is erased.
  using Ladder = std::map<int64_t, std::list<Order>>;
  struct Book {
    SymbolSpec spec;
    Ladder bids;
    Ladder asks;
  };

  Ladder& ladder(SymbolId symbol, Side side);
  [[nodiscard]] const Ladder& ladder(SymbolId symbol, Side side) const;
  /// Prices of one side, best first.
  [[nodiscard]] std::vector<int64_t> prices_best_first(SymbolId symbol, Side side) const;
  /// The resting order with this id, or nullptr.
  Order* find_resting(OrderId id);

  void emit(Event e);
  /// book_update for one level as it is now (0 and 0 when it is gone).
  void emit_level(SymbolId symbol, Side side, int64_t price);
  void emit_cancelled(const Order& o, CancelReason reason, Qty qty);

  /// Appends `o` to the back of its level, then its book_update.
  void rest(const Order& o);
  /// Takes resting order `id` out of its level, then the level's book_update.
  void remove(SymbolId symbol, Side side, int64_t price, OrderId id);

  /// Would an order of `side` at `price` trade against the best contra level?
  [[nodiscard]] bool marketable(SymbolId symbol, Side side, Price price) const;
  /// FOK pre-walk: the quantity `taker` could fill, without side effects.
  [[nodiscard]] Qty fok_walk(const Order& taker) const;
  /// Matching for `taker`, which is not in the book. Returns false when
  /// self-trade prevention cancelled the taker.
  bool match(Order& taker);
  /// After matching: the remainder of a limit gtc/day order rests, any other
  /// remainder is cancelled.
  void finish_taker(const Order& taker);

  Limits limits_;
  std::vector<Book> books_;
  std::set<OrderId> accepted_ids_;
  std::vector<Event> events_;
  SeqNo seq_{};
  uint64_t accepted_count_ = 0;
  uint64_t trade_count_ = 0;
};

}  // namespace rialto::model
