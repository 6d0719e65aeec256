// Rules of docs/SEMANTICS.md are quoted where they are implemented.
#include "reference_model.h"

#include <algorithm>
#include <cassert>

namespace rialto::model {
namespace {

bool valid_qty(const SymbolSpec& spec, Qty q) {
  // "qty < 1, qty > max_qty, or qty not a multiple of lot"
  return q >= Qty{1} && q <= spec.max_qty && q.value() % spec.lot.value() == 0;
}

bool can_rest(OrderType type, TimeInForce tif) {
  return type == OrderType::limit && (tif == TimeInForce::gtc || tif == TimeInForce::day);
}

// "a buy at P takes asks <= P, a sell at P takes bids >= P; market orders take any price"
bool acceptable(Side taker_side, OrderType type, Price limit, int64_t maker_price) {
  if (type == OrderType::market) return true;
  return taker_side == Side::buy ? maker_price <= limit.value() : maker_price >= limit.value();
}

}  // namespace

SymbolId ReferenceModel::add_symbol(const SymbolSpec& spec) {
  books_.push_back(Book{spec, {}, {}});
  return SymbolId(static_cast<uint32_t>(books_.size() - 1));
}

// ---- Book access -----------------------------------------------------------

ReferenceModel::Ladder& ReferenceModel::ladder(SymbolId symbol, Side side) {
  Book& b = books_.at(symbol.value());
  return side == Side::buy ? b.bids : b.asks;
}

const ReferenceModel::Ladder& ReferenceModel::ladder(SymbolId symbol, Side side) const {
  const Book& b = books_.at(symbol.value());
  return side == Side::buy ? b.bids : b.asks;
}

std::vector<int64_t> ReferenceModel::prices_best_first(SymbolId symbol, Side side) const {
  std::vector<int64_t> prices;
  for (const auto& [price, fifo] : ladder(symbol, side)) prices.push_back(price);
  if (side == Side::buy) std::reverse(prices.begin(), prices.end());
  return prices;
}

ReferenceModel::Order* ReferenceModel::find_resting(OrderId id) {
  for (Book& b : books_) {
    for (Ladder* l : {&b.bids, &b.asks}) {
      for (auto& [price, fifo] : *l) {
        for (Order& o : fifo) {
          if (o.id == id) return &o;
        }
      }
    }
  }
  return nullptr;
}

std::vector<LevelSnapshot> ReferenceModel::levels(SymbolId symbol, Side side) const {
  std::vector<LevelSnapshot> out;
  for (int64_t price : prices_best_first(symbol, side)) {
    LevelSnapshot s{Price{price}, Qty{}, 0};
    for (const Order& o : ladder(symbol, side).at(price)) {
      s.total += o.open;
      ++s.count;
    }
    out.push_back(s);
  }
  return out;
}

std::vector<OrderSnapshot> ReferenceModel::orders(SymbolId symbol, Side side) const {
  std::vector<OrderSnapshot> out;
  for (int64_t price : prices_best_first(symbol, side)) {
    for (const Order& o : ladder(symbol, side).at(price))
      out.push_back({o.id, o.price, o.open, o.account, o.tif, o.stp, o.post_only});
  }
  return out;
}

uint64_t ReferenceModel::resting_orders() const {
  uint64_t n = 0;
  for (const Book& b : books_) {
    for (const Ladder* l : {&b.bids, &b.asks}) {
      for (const auto& [price, fifo] : *l) n += fifo.size();
    }
  }
  return n;
}

// ---- Events ----------------------------------------------------------------

void ReferenceModel::emit(Event e) {
  e.seq = seq_;
  events_.push_back(e);
}

// "book_update: symbol, side, price, aggregate qty at the level, order count
// (0 and 0 when the level is gone)"
void ReferenceModel::emit_level(SymbolId symbol, Side side, int64_t price) {
  Event e{.price = Price{price}, .symbol = symbol, .type = EventType::book_update, .side = side};
  const Ladder& l = ladder(symbol, side);
  if (auto it = l.find(price); it != l.end()) {
    for (const Order& o : it->second) {
      e.qty += o.open;
      ++e.count;
    }
  }
  emit(e);
}

void ReferenceModel::emit_cancelled(const Order& o, CancelReason reason, Qty qty) {
  // "cancelled: id, symbol, side, price (the order's limit; 0 for market), reason, qty"
  emit({.id = o.id,
        .price = o.price,
        .qty = qty,
        .symbol = o.symbol,
        .type = EventType::cancelled,
        .side = o.side,
        .cancel = reason});
}

void ReferenceModel::rest(const Order& o) {
  ladder(o.symbol, o.side)[o.price.value()].push_back(o);
  // "rested: id, symbol, side, price, qty = open quantity that now rests", then the level
  emit({.id = o.id, .price = o.price, .qty = o.open, .symbol = o.symbol, .type = EventType::rested, .side = o.side});
  emit_level(o.symbol, o.side, o.price.value());
}

void ReferenceModel::remove(SymbolId symbol, Side side, int64_t price, OrderId id) {
  Ladder& l = ladder(symbol, side);
  auto level = l.find(price);
  assert(level != l.end());
  auto it = std::find_if(level->second.begin(), level->second.end(), [&](const Order& o) { return o.id == id; });
  assert(it != level->second.end());
  level->second.erase(it);
  if (level->second.empty()) l.erase(level);
  emit_level(symbol, side, price);
}

// ---- Matching --------------------------------------------------------------

// would_cross: "a buy at P with best ask <= P"; the test is on price alone.
bool ReferenceModel::marketable(SymbolId symbol, Side side, Price price) const {
  std::vector<int64_t> contra = prices_best_first(symbol, opposite(side));
  return !contra.empty() && acceptable(side, OrderType::limit, price, contra.front());
}

// "walk the contra side in priority order at acceptable prices without side
// effects. When stp applies to a maker, it is skipped under cancel_maker and
// stops the walk under cancel_taker or cancel_both."
Qty ReferenceModel::fok_walk(const Order& taker) const {
  const bool stp = taker.stp != StpMode::none && taker.account != kAnonymous;
  const Side contra = opposite(taker.side);
  Qty walked{};
  for (int64_t price : prices_best_first(taker.symbol, contra)) {
    if (!acceptable(taker.side, taker.type, taker.price, price)) break;
    for (const Order& maker : ladder(taker.symbol, contra).at(price)) {
      if (stp && maker.account == taker.account) {
        if (taker.stp == StpMode::cancel_maker) continue;
        return walked;
      }
      walked += maker.open;
    }
  }
  return walked;
}

bool ReferenceModel::match(Order& taker) {
  const Side contra = opposite(taker.side);
  while (taker.open > Qty{}) {
    std::vector<int64_t> prices = prices_best_first(taker.symbol, contra);
    if (prices.empty() || !acceptable(taker.side, taker.type, taker.price, prices.front())) break;
    const int64_t price = prices.front();
    Order& maker = ladder(taker.symbol, contra).at(price).front();

    // "Self-trade prevention applies when the taker's stp is not none, the
    // taker's account is not anonymous and the maker's account equals the taker's."
    if (taker.stp != StpMode::none && taker.account != kAnonymous && maker.account == taker.account) {
      if (taker.stp == StpMode::cancel_maker || taker.stp == StpMode::cancel_both) {
        emit_cancelled(maker, CancelReason::self_trade, maker.open);
        remove(taker.symbol, contra, price, maker.id);
      }
      if (taker.stp == StpMode::cancel_taker || taker.stp == StpMode::cancel_both) {
        emit_cancelled(taker, CancelReason::self_trade, taker.open);
        taker.open = Qty{};
        return false;
      }
      continue;
    }

    // "fill = min(taker open, maker open): trade, then book_update for the maker's level"
    // "match: engine-wide trade number, first is 1; leaves = taker's open after the
    // fill, maker_leaves = maker's open after the fill"
    const Qty fill = std::min(taker.open, maker.open);
    taker.open -= fill;
    maker.open -= fill;
    emit({.id = taker.id,
          .maker = maker.id,
          .match = ++trade_count_,
          .price = Price{price},
          .qty = fill,
          .leaves = taker.open,
          .maker_leaves = maker.open,
          .symbol = taker.symbol,
          .type = EventType::trade,
          .side = taker.side});
    if (maker.open == Qty{}) {
      remove(taker.symbol, contra, price, maker.id);
    } else {
      emit_level(taker.symbol, contra, price);
    }
  }
  return true;
}

void ReferenceModel::finish_taker(const Order& taker) {
  if (taker.open == Qty{}) return;
  if (can_rest(taker.type, taker.tif)) {
    rest(taker);
  } else {
    emit_cancelled(taker, CancelReason::remainder, taker.open);
  }
}

// ---- Commands --------------------------------------------------------------

void ReferenceModel::submit(const NewOrder& cmd) {
  seq_ = SeqNo(seq_.value() + 1);
  const bool known = cmd.symbol.value() < books_.size();
  const bool market = cmd.type == OrderType::market;
  const bool rests = can_rest(cmd.type, cmd.tif);

  RejectReason why = RejectReason::none;
  // Engine rule: "the id of a resting order"; scenario rule: "the id belongs to
  // an earlier accepted order (resting, filled or cancelled), in any symbol".
  const bool lifetime = limits_.ids == IdRule::lifetime;
  if (lifetime ? accepted_ids_.contains(cmd.id) : find_resting(cmd.id) != nullptr) {
    why = RejectReason::duplicate_id;
  } else if (!known) {
    why = RejectReason::unknown_symbol;
  } else if (!valid_qty(books_[cmd.symbol.value()].spec, cmd.qty)) {
    why = RejectReason::invalid_qty;
  } else if (market ? cmd.price_status != PriceStatus::absent
                    : (cmd.price_status == PriceStatus::absent || cmd.price_status == PriceStatus::non_positive ||
                       cmd.price_status == PriceStatus::out_of_range ||
                       (cmd.price_status == PriceStatus::ok && cmd.price <= Price{0}))) {
    why = RejectReason::invalid_price;
  } else if (cmd.price_status == PriceStatus::off_tick) {
    why = RejectReason::price_not_on_tick;
  } else if ((market && (cmd.tif == TimeInForce::gtc || cmd.tif == TimeInForce::day)) ||
             (cmd.post_only && (market || cmd.tif == TimeInForce::ioc || cmd.tif == TimeInForce::fok))) {
    why = RejectReason::invalid_tif;
  } else if (cmd.post_only && marketable(cmd.symbol, cmd.side, cmd.price)) {
    why = RejectReason::would_cross;
  } else if ((lifetime && accepted_ids_.size() >= limits_.max_order_ids) ||
             (rests && resting_orders() >= limits_.max_orders)) {
    why = RejectReason::capacity;
  }
  if (why != RejectReason::none) {
    emit({.id = cmd.id,
          .symbol = known ? cmd.symbol : kNoSymbol,
          .type = EventType::rejected,
          .reject = why,
          .command = CommandType::new_order});
    return;
  }

  accepted_ids_.insert(cmd.id);
  // "accepted: id, symbol, side, order_type, tif, price (limit; 0 for market), qty (as ordered)"
  emit({.id = cmd.id,
        .price = market ? Price{} : cmd.price,
        .qty = cmd.qty,
        .symbol = cmd.symbol,
        .type = EventType::accepted,
        .side = cmd.side,
        .order_type = cmd.type,
        .tif = cmd.tif});
  Order taker{.id = cmd.id,
              .symbol = cmd.symbol,
              .side = cmd.side,
              .type = cmd.type,
              .tif = cmd.tif,
              .stp = cmd.stp,
              .post_only = cmd.post_only,
              .account = cmd.account,
              .price = market ? Price{} : cmd.price,
              .open = cmd.qty,
              .accepted_no = ++accepted_count_};

  if (cmd.tif == TimeInForce::fok && fok_walk(taker) < taker.open) {
    emit_cancelled(taker, CancelReason::unfilled, taker.open);
    return;
  }
  if (!match(taker)) return;
  finish_taker(taker);
}

void ReferenceModel::cancel(const CancelOrder& cmd) {
  seq_ = SeqNo(seq_.value() + 1);
  const CommandType kind = CommandType::cancel;
  Order* o = find_resting(cmd.id);
  if (o == nullptr) {
    emit({.id = cmd.id, .type = EventType::rejected, .reject = RejectReason::unknown_order, .command = kind});
    return;
  }
  const Order copy = *o;
  emit_cancelled(copy, CancelReason::user, copy.open);
  remove(copy.symbol, copy.side, copy.price.value(), copy.id);
}

void ReferenceModel::modify(const ModifyOrder& cmd) {
  seq_ = SeqNo(seq_.value() + 1);
  const CommandType kind = CommandType::modify;
  Order* o = find_resting(cmd.id);
  if (o == nullptr) {
    emit({.id = cmd.id, .type = EventType::rejected, .reject = RejectReason::unknown_order, .command = kind});
    return;
  }
  const Price new_price = cmd.price_status == PriceStatus::ok ? cmd.price : o->price;
  const Qty new_open = cmd.has_qty ? cmd.qty : o->open;

  RejectReason why = RejectReason::none;
  if (cmd.has_qty && !valid_qty(books_[o->symbol.value()].spec, cmd.qty)) {
    why = RejectReason::invalid_qty;
  } else if (cmd.price_status == PriceStatus::non_positive || cmd.price_status == PriceStatus::out_of_range ||
             (cmd.price_status == PriceStatus::ok && cmd.price <= Price{0})) {
    why = RejectReason::invalid_price;
  } else if (cmd.price_status == PriceStatus::off_tick) {
    why = RejectReason::price_not_on_tick;
  } else if (o->post_only && marketable(o->symbol, o->side, new_price)) {
    why = RejectReason::would_cross;
  }
  if (why != RejectReason::none) {
    emit({.id = cmd.id, .symbol = o->symbol, .type = EventType::rejected, .reject = why, .command = kind});
    return;
  }

  // "In place when P' equals the old price and Q' <= old open"
  if (new_price == o->price && new_open <= o->open) {
    const Qty old_open = o->open;
    o->open = new_open;
    emit({.id = o->id,
          .price = new_price,
          .qty = new_open,
          .symbol = o->symbol,
          .type = EventType::modified,
          .side = o->side,
          .kept_priority = true});
    if (new_open < old_open) emit_level(o->symbol, o->side, o->price.value());
    return;
  }

  // "Otherwise the order loses priority": modified, leave (book_update),
  // re-enter as a taker, rest any remainder at the back. accepted_no is kept.
  Order moved = *o;
  emit({.id = moved.id,
        .price = new_price,
        .qty = new_open,
        .symbol = moved.symbol,
        .type = EventType::modified,
        .side = moved.side});
  remove(moved.symbol, moved.side, moved.price.value(), moved.id);
  moved.price = new_price;
  moved.open = new_open;
  if (!match(moved)) return;
  finish_taker(moved);
}

// "for every resting DAY order, oldest accepted first (across all symbols):
// cancelled reason=expired qty=<open>, then book_update"
void ReferenceModel::expire() {
  seq_ = SeqNo(seq_.value() + 1);
  std::vector<Order> day;
  for (const Book& b : books_) {
    for (const Ladder* l : {&b.bids, &b.asks}) {
      for (const auto& [price, fifo] : *l) {
        for (const Order& o : fifo) {
          if (o.tif == TimeInForce::day) day.push_back(o);
        }
      }
    }
  }
  std::sort(day.begin(), day.end(), [](const Order& a, const Order& b) { return a.accepted_no < b.accepted_no; });
  for (const Order& o : day) {
    emit_cancelled(o, CancelReason::expired, o.open);
    remove(o.symbol, o.side, o.price.value(), o.id);
  }
}

}  // namespace rialto::model
