#include "rialto/itch/book.h"

#include <cassert>
#include <type_traits>

namespace rialto::itch {

namespace {

ApplyStatus failure(ApplyError e, const char* what, const std::string& detail) {
  ApplyStatus st;
  st.error = e;
  st.text = std::string(what) + ": " + detail;
  return st;
}

std::string ref_text(std::uint64_t ref) { return "order reference " + std::to_string(ref); }

}  // namespace

Book::SideBook& Book::side_book(std::uint16_t locate, Side side) {
  StockBook& s = stocks_[locate];
  return side == Side::buy ? s.bids : s.asks;
}

ApplyStatus Book::add(std::uint16_t locate, std::uint64_t ref, char side_char, std::uint32_t shares, const Stock& stock,
                      std::uint32_t price, const char* what) {
  if (side_char != 'B' && side_char != 'S') {
    return failure(ApplyError::bad_side, what, "side " + std::string(1, side_char) + " is neither B nor S");
  }
  if (shares == 0) return failure(ApplyError::zero_shares, what, ref_text(ref) + " has 0 shares");
  if (orders_.count(ref) != 0)
    return failure(ApplyError::duplicate_reference, what, ref_text(ref) + " is already live");
  const Side side = static_cast<Side>(side_char);
  auto [sit, inserted] = stocks_.try_emplace(locate);
  if (inserted || sit->second.info.name.empty()) {
    const std::string name(trimmed(stock));
    if (!name.empty()) {
      sit->second.info.name = name;
      by_name_.try_emplace(name, locate);
    }
  }
  LevelOrders& level = side_book(locate, side).levels[price];
  level.queue.push_back(ref);
  level.shares += shares;
  orders_.emplace(ref, Order{locate, side, price, shares, std::prev(level.queue.end())});
  return {};
}

void Book::remove(std::unordered_map<std::uint64_t, Order>::iterator it) {
  Order& o = it->second;
  SideBook& sb = side_book(o.locate, o.side);
  auto lit = sb.levels.find(o.price);
  assert(lit != sb.levels.end());
  lit->second.shares -= o.shares;
  lit->second.queue.erase(o.position);
  if (lit->second.queue.empty()) sb.levels.erase(lit);
  orders_.erase(it);
}

ApplyStatus Book::reduce(std::uint64_t ref, std::uint32_t shares, const char* what, Order** order) {
  auto it = orders_.find(ref);
  if (it == orders_.end()) return failure(ApplyError::unknown_reference, what, "unknown " + ref_text(ref));
  if (shares == 0) return failure(ApplyError::zero_shares, what, "0 shares of " + ref_text(ref));
  Order& o = it->second;
  if (shares > o.shares) {
    return failure(
        ApplyError::exceeds_open, what,
        std::to_string(shares) + " shares of " + ref_text(ref) + ", which has " + std::to_string(o.shares) + " open");
  }
  *order = &o;
  return {};
}

ApplyStatus Book::apply(const Message& m, Execution* executed) {
  return std::visit(
      [&](const auto& v) -> ApplyStatus {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, StockDirectory>) {
          StockBook& s = stocks_[v.header.stock_locate];
          const std::string name(trimmed(v.stock));
          if (!s.info.name.empty() && s.info.name != name) {
            auto old = by_name_.find(s.info.name);
            if (old != by_name_.end() && old->second == v.header.stock_locate) by_name_.erase(old);
          }
          s.info.name = name;
          s.info.round_lot_size = v.round_lot_size;
          by_name_[name] = v.header.stock_locate;
          return {};
        } else if constexpr (std::is_same_v<T, AddOrder>) {
          return add(v.header.stock_locate, v.order_reference_number, v.buy_sell_indicator, v.shares, v.stock, v.price,
                     "add order");
        } else if constexpr (std::is_same_v<T, AddOrderMpid>) {
          return add(v.header.stock_locate, v.order_reference_number, v.buy_sell_indicator, v.shares, v.stock, v.price,
                     "add order (mpid)");
        } else if constexpr (std::is_same_v<T, OrderExecuted> || std::is_same_v<T, OrderExecutedWithPrice>) {
          Order* o = nullptr;
          ApplyStatus st = reduce(v.order_reference_number, v.executed_shares, "order executed", &o);
          if (!st.ok()) return st;
          if (executed != nullptr) {
            Execution e;
            e.locate = o->locate;
            e.timestamp = v.header.timestamp;
            e.order_reference_number = v.order_reference_number;
            e.match_number = v.match_number;
            e.resting_side = o->side;
            e.shares = v.executed_shares;
            if constexpr (std::is_same_v<T, OrderExecutedWithPrice>) {
              e.price = v.execution_price;
              e.printable = v.printable == 'Y';
            } else {
              e.price = o->price;
            }
            *executed = e;
          }
          if (v.executed_shares == o->shares) {
            remove(orders_.find(v.order_reference_number));
          } else {
            o->shares -= v.executed_shares;
            side_book(o->locate, o->side).levels[o->price].shares -= v.executed_shares;
          }
          return {};
        } else if constexpr (std::is_same_v<T, OrderCancel>) {
          Order* o = nullptr;
          ApplyStatus st = reduce(v.order_reference_number, v.cancelled_shares, "order cancel", &o);
          if (!st.ok()) return st;
          if (v.cancelled_shares == o->shares) {
            remove(orders_.find(v.order_reference_number));
          } else {
            o->shares -= v.cancelled_shares;
            side_book(o->locate, o->side).levels[o->price].shares -= v.cancelled_shares;
          }
          return {};
        } else if constexpr (std::is_same_v<T, OrderDelete>) {
          auto it = orders_.find(v.order_reference_number);
          if (it == orders_.end()) {
            return failure(ApplyError::unknown_reference, "order delete",
                           "unknown " + ref_text(v.order_reference_number));
          }
          remove(it);
          return {};
        } else if constexpr (std::is_same_v<T, OrderReplace>) {
          auto it = orders_.find(v.original_order_reference_number);
          if (it == orders_.end()) {
            return failure(ApplyError::unknown_reference, "order replace",
                           "unknown " + ref_text(v.original_order_reference_number));
          }
          if (v.shares == 0) {
            return failure(ApplyError::zero_shares, "order replace",
                           "new " + ref_text(v.new_order_reference_number) + " has 0 shares");
          }
          if (v.new_order_reference_number != v.original_order_reference_number &&
              orders_.count(v.new_order_reference_number) != 0) {
            return failure(ApplyError::duplicate_reference, "order replace",
                           "new " + ref_text(v.new_order_reference_number) + " is already live");
          }
          const std::uint16_t locate = it->second.locate;
          const Side side = it->second.side;
          remove(it);
          LevelOrders& level = side_book(locate, side).levels[v.price];
          level.queue.push_back(v.new_order_reference_number);
          level.shares += v.shares;
          orders_.emplace(v.new_order_reference_number,
                          Order{locate, side, v.price, v.shares, std::prev(level.queue.end())});
          return {};
        } else {
          return {};
        }
      },
      m);
}

std::vector<Level> Book::levels(std::uint16_t locate, Side side, std::size_t max) const {
  std::vector<Level> out;
  auto sit = stocks_.find(locate);
  if (sit == stocks_.end()) return out;
  const auto& levels = side == Side::buy ? sit->second.bids.levels : sit->second.asks.levels;
  auto emit = [&](const auto& kv) {
    out.push_back(Level{kv.first, kv.second.shares, static_cast<std::uint32_t>(kv.second.queue.size())});
  };
  if (side == Side::buy) {
    for (auto it = levels.rbegin(); it != levels.rend() && out.size() < max; ++it) emit(*it);
  } else {
    for (auto it = levels.begin(); it != levels.end() && out.size() < max; ++it) emit(*it);
  }
  return out;
}

std::vector<OrderInfo> Book::orders_at(std::uint16_t locate, Side side, std::uint32_t price) const {
  std::vector<OrderInfo> out;
  auto sit = stocks_.find(locate);
  if (sit == stocks_.end()) return out;
  const auto& levels = side == Side::buy ? sit->second.bids.levels : sit->second.asks.levels;
  auto lit = levels.find(price);
  if (lit == levels.end()) return out;
  for (std::uint64_t ref : lit->second.queue) {
    const Order& o = orders_.at(ref);
    out.push_back(OrderInfo{ref, o.locate, o.side, o.price, o.shares});
  }
  return out;
}

std::optional<OrderInfo> Book::find_order(std::uint64_t reference) const {
  auto it = orders_.find(reference);
  if (it == orders_.end()) return std::nullopt;
  const Order& o = it->second;
  return OrderInfo{reference, o.locate, o.side, o.price, o.shares};
}

std::optional<std::uint16_t> Book::find_locate(std::string_view symbol) const {
  auto it = by_name_.find(std::string(symbol));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

const StockInfo* Book::stock(std::uint16_t locate) const {
  auto it = stocks_.find(locate);
  return it == stocks_.end() ? nullptr : &it->second.info;
}

}  // namespace rialto::itch
