// itch::Book: market-by-order books rebuilt from ITCH 5.0 messages, one per
// stock locate, every order by its reference number, in price-time priority.
//
// Design: this is a feed handler's book, not the matching engine. An order
// index (hash map, reference -> order) and per side an ordered map of price
// levels, each a FIFO list of references. Add, execute, cancel, delete: one
// hash lookup plus O(log L) in the number of levels of that side, O(1) in the
// orders of the level. Memory is bounded by live orders: an order's entry
// goes when it is fully executed, cancelled, deleted or replaced, a level when
// its last order does. Queries allocate their results.
//
// Applying a message that does not fit the book (unknown reference, a
// duplicate one, executing or cancelling more than is open, a side that is
// neither B nor S) returns an error and leaves the book as it was.
//
// Thread safety: none; one thread owns a Book.
// Invariants: every live order is in exactly one level of its stock and side,
// at its price; a level's shares and order count are the sums over its
// orders; no level is empty; every live order has shares > 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rialto/itch/itch.h"

namespace rialto::itch {

enum class Side : char { buy = 'B', sell = 'S' };

enum class ApplyError : std::uint8_t {
  ok,
  unknown_reference,    ///< E C X D U about an order not in the book
  duplicate_reference,  ///< A F U adding a reference already live
  exceeds_open,         ///< E C X for more shares than the order has open
  bad_side,             ///< A F with a side other than 'B' or 'S'
  zero_shares,          ///< A F U adding 0 shares, or E C X of 0 shares
};

struct [[nodiscard]] ApplyStatus {
  ApplyError error = ApplyError::ok;
  /// Empty when ok; e.g. "order executed: unknown order reference 42".
  std::string text;

  bool ok() const noexcept { return error == ApplyError::ok; }
  const std::string& message() const noexcept { return text; }
};

/// What an Order Executed (E) or Order Executed With Price (C) did.
struct Execution {
  std::uint16_t locate = 0;
  std::uint64_t timestamp = 0;
  std::uint64_t order_reference_number = 0;
  std::uint64_t match_number = 0;
  Side resting_side = Side::buy;
  std::uint32_t price = 0;  ///< the order's price (E) or the execution price (C)
  std::uint32_t shares = 0;
  bool printable = true;  ///< C's Printable flag; always true for E
};

struct StockInfo {
  std::string name;  ///< the Stock field without padding
  std::uint32_t round_lot_size = 0;
};

struct Level {
  std::uint32_t price = 0;  ///< Price (4)
  std::uint64_t shares = 0;
  std::uint32_t orders = 0;
  bool operator==(const Level&) const = default;
};

struct OrderInfo {
  std::uint64_t reference = 0;
  std::uint16_t locate = 0;
  Side side = Side::buy;
  std::uint32_t price = 0;
  std::uint32_t shares = 0;  ///< open
  bool operator==(const OrderInfo&) const = default;
};

class Book {
 public:
  /// Applies one message. Stock Directory names a locate; A F E C X D U change
  /// the book; every other type is accepted and changes nothing. An Add for a
  /// locate no Stock Directory named takes the name from its Stock field.
  /// When `executed` is given and `m` is E or C, it receives the execution.
  ApplyStatus apply(const Message& m, Execution* executed = nullptr);

  /// The levels of one side, best first (highest bid, lowest ask), at most `max`.
  std::vector<Level> levels(std::uint16_t locate, Side side, std::size_t max = SIZE_MAX) const;
  /// The orders at one price, in priority order (first to trade first).
  std::vector<OrderInfo> orders_at(std::uint16_t locate, Side side, std::uint32_t price) const;
  std::optional<OrderInfo> find_order(std::uint64_t reference) const;
  /// The locate of a stock named by Stock Directory (or an Add), by its name.
  std::optional<std::uint16_t> find_locate(std::string_view symbol) const;
  /// Null if the locate is unknown.
  const StockInfo* stock(std::uint16_t locate) const;
  std::size_t live_orders() const noexcept { return orders_.size(); }

 private:
  struct LevelOrders {
    std::uint64_t shares = 0;
    std::list<std::uint64_t> queue;  // references, priority order
  };
  struct SideBook {
    std::map<std::uint32_t, LevelOrders> levels;  // ascending price
  };
  struct StockBook {
    StockInfo info;
    SideBook bids;
    SideBook asks;
  };
  struct Order {
    std::uint16_t locate;
    Side side;
    std::uint32_t price;
    std::uint32_t shares;
    std::list<std::uint64_t>::iterator position;
  };

  ApplyStatus add(std::uint16_t locate, std::uint64_t ref, char side, std::uint32_t shares, const Stock& stock,
                  std::uint32_t price, const char* what);
  ApplyStatus reduce(std::uint64_t ref, std::uint32_t shares, const char* what, Order** order);
  void remove(std::unordered_map<std::uint64_t, Order>::iterator it);
  SideBook& side_book(std::uint16_t locate, Side side);

  std::unordered_map<std::uint64_t, Order> orders_;
  std::unordered_map<std::uint16_t, StockBook> stocks_;
  std::unordered_map<std::string, std::uint16_t> by_name_;
};

}  // namespace rialto::itch
