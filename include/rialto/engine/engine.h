// The matching engine: one limit order book per symbol, price-time priority,
// the exact semantics of docs/SEMANTICS.md.
//
// Thread safety: none. One thread owns an Engine (single writer); it is
// deterministic: the same commands give the same events, always.
//
// Hot path: no I/O, no exceptions, no allocation after construction except
// when a book side holds more price levels than it ever held before (see
// detail/book_side.h). Capacity limits (orders, ids, symbols) are
// configuration; a command that would exceed one is rejected with
// RejectReason::capacity, never a crash.
//
// Data layout (ADR docs/adr/0002-book-layout.md):
//   Order   64-byte pool entry: FIFO links within its level, DAY-list links,
//           level index, id-table slot.
//   Level   pool entry: price, aggregate qty, order count, FIFO head/tail.
//   BookSide sorted contiguous price ladder per side, best at the back.
//   IdTable open-addressing OrderId -> order, one for the whole engine.
//   DAY list intrusive list of resting DAY orders in acceptance order.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <vector>

#include "rialto/core/types.h"
#include "rialto/engine/detail/book_side.h"
#include "rialto/engine/detail/id_table.h"
#include "rialto/engine/detail/pool.h"

namespace rialto::engine {

struct SymbolSpec {
  Qty lot{1};
  Qty max_qty{1'000'000'000};
};

struct EngineConfig {
  uint32_t max_orders = 1u << 20;     // resting orders, all symbols together
  uint32_t max_order_ids = 1u << 22;  // ids ever accepted (duplicate_id memory)
  uint32_t max_symbols = 1u << 16;
  uint32_t levels_reserved_per_side = 64;
  bool prefault = false;  // touch every table page at construction (no page faults while matching)
};

struct LevelView {
  Price price;
  Qty total;
  uint32_t count;
};

struct OrderView {
  OrderId id;
  Price price;
  Qty open;
  AccountId account;
  TimeInForce tif;
  StpMode stp;
  bool post_only;
};

namespace detail {

struct Order {
  OrderId id;
  Qty open;
  Price price;
  uint32_t prev;      // FIFO within the level
  uint32_t next;
  uint32_t day_prev;  // DAY expiry list (acceptance order)
  uint32_t day_next;
  uint32_t level;     // level pool index
  uint32_t id_slot;   // IdTable slot
  AccountId account;
  SymbolId symbol;
  Side side;
  OrderType type;
  TimeInForce tif;
  StpMode stp;
  bool post_only;
};
static_assert(sizeof(Order) == 64, "an order is one cache line");

struct Level {
  Price price;
  Qty total;
  uint32_t head;
  uint32_t tail;
  uint32_t count;
};

struct Book {
  SymbolSpec spec;
  BookSide bids;
  BookSide asks;
  BookSide& side(Side s) { return s == Side::buy ? bids : asks; }
  const BookSide& side(Side s) const { return s == Side::buy ? bids : asks; }
};

}  // namespace detail

template <EventSink Sink>
class Engine {
 public:
  Engine(const EngineConfig& config, Sink& sink)
      : config_(config),
        sink_(sink),
        orders_(config.max_orders, config.prefault),
        levels_(config.max_orders, config.prefault),  // every level holds >= 1 order: never the binding limit
        ids_(config.max_order_ids, config.prefault) {
    books_.reserve(std::min<uint32_t>(config.max_symbols, 1024));
  }

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Defines the next symbol; returns its id, or kNoSymbol when max_symbols
  /// are defined. Not a command: takes no sequence number. May allocate.
  SymbolId add_symbol(const SymbolSpec& spec) {
    if (books_.size() >= config_.max_symbols) return kNoSymbol;
    books_.push_back(detail::Book{spec, detail::BookSide(Side::buy, config_.levels_reserved_per_side),
                                  detail::BookSide(Side::sell, config_.levels_reserved_per_side)});
    return SymbolId(static_cast<uint32_t>(books_.size() - 1));
  }

  [[nodiscard]] uint32_t symbol_count() const { return static_cast<uint32_t>(books_.size()); }
  [[nodiscard]] SeqNo last_seq() const { return seq_; }
  [[nodiscard]] uint32_t resting_orders() const { return orders_.live(); }
  [[nodiscard]] const EngineConfig& config() const { return config_; }

  // ---- Commands ----------------------------------------------------------

  void submit(const NewOrder& cmd) {
    next_seq();
    RejectReason why = check_new(cmd);
    if (why != RejectReason::none) return emit_reject(cmd.id, known(cmd.symbol) ? cmd.symbol : kNoSymbol, why);
    detail::Book& book = books_[cmd.symbol.value()];
    detail::Order taker{};
    taker.id = cmd.id;
    taker.open = cmd.qty;
    taker.price = cmd.type == OrderType::limit ? cmd.price : Price{};
    taker.account = cmd.account;
    taker.symbol = cmd.symbol;
    taker.side = cmd.side;
    taker.type = cmd.type;
    taker.tif = cmd.tif;
    taker.stp = cmd.stp;
    taker.post_only = cmd.post_only;
    taker.id_slot = ids_.insert(cmd.id, detail::IdTable::kDead);
    emit({.id = cmd.id, .symbol = cmd.symbol, .type = EventType::accepted, .side = cmd.side});

    if (cmd.tif == TimeInForce::fok && fillable(book, taker) < taker.open) {
      emit_cancelled(taker, CancelReason::unfilled, taker.open);
      return;
    }
    if (!match(book, taker)) return;  // cancelled by self-trade prevention
    if (taker.open == Qty{}) return;
    if (rests(taker)) {
      uint32_t i = orders_.acquire();
      orders_[i] = taker;
      ids_.set_value(taker.id_slot, detail::IdTable::live(i));
      if (taker.tif == TimeInForce::day) day_append(i);
      rest(i);
    } else {
      emit_cancelled(taker, CancelReason::remainder, taker.open);
    }
  }

  void cancel(const CancelOrder& cmd) {
    next_seq();
    uint32_t i = find_resting(cmd.id);
    if (i == detail::kNil) return emit_reject(cmd.id, kNoSymbol, RejectReason::unknown_order);
    cancel_resting(i, CancelReason::user);
  }

  void modify(const ModifyOrder& cmd) {
    next_seq();
    uint32_t i = find_resting(cmd.id);
    if (i == detail::kNil) return emit_reject(cmd.id, kNoSymbol, RejectReason::unknown_order);
    detail::Order& o = orders_[i];
    const detail::Book& book = books_[o.symbol.value()];
    RejectReason why = RejectReason::none;
    if (cmd.has_qty && !valid_qty(book.spec, cmd.qty)) {
      why = RejectReason::invalid_qty;
    } else if (cmd.price_status != PriceStatus::absent) {
      why = price_reject(cmd.price_status, cmd.price);
    }
    Price new_price = cmd.price_status == PriceStatus::ok ? cmd.price : o.price;
    Qty new_open = cmd.has_qty ? cmd.qty : o.open;
    if (why == RejectReason::none && o.post_only && crosses(book, o.side, OrderType::limit, new_price)) {
      why = RejectReason::would_cross;
    }
    if (why != RejectReason::none) return emit_reject(cmd.id, o.symbol, why);

    if (new_price == o.price && new_open <= o.open) {
      Qty removed = o.open - new_open;
      o.open = new_open;
      emit({.id = o.id, .price = o.price, .qty = o.open, .symbol = o.symbol, .type = EventType::modified,
            .side = o.side});
      if (removed > Qty{}) {
        detail::Level& l = levels_[o.level];
        l.total -= removed;
        emit_level(o.symbol, o.side, l);
      }
      return;
    }

    emit({.id = o.id, .price = new_price, .qty = new_open, .symbol = o.symbol, .type = EventType::modified,
          .side = o.side});
    leave_level(i);
    o.price = new_price;
    o.open = new_open;
    if (!match(books_[o.symbol.value()], o) || o.open == Qty{}) {
      retire(i);
      return;
    }
    rest(i);  // only gtc/day orders rest, so the remainder always rests
  }

  /// End of day: cancels every resting DAY order, oldest accepted first.
  void expire() {
    next_seq();
    for (uint32_t i = day_head_; i != detail::kNil;) {
      uint32_t next = orders_[i].day_next;
      cancel_resting(i, CancelReason::expired);
      i = next;
    }
  }

  // ---- Prefetch hints -------------------------------------------------------
  // A driver holding a backlog of commands (a replay, a drained input queue)
  // can hide memory latency by announcing commands before it submits them:
  // prefetch_id() a few commands ahead (loads the id table line), then
  // prefetch_order() a few commands later (reads that line, loads the order).
  // Hints never change a result; a wrong or missing hint only costs speed.

  void prefetch_id(OrderId id) const { ids_.prefetch(id); }

  void prefetch_order(OrderId id) const {
    uint32_t i = find_resting(id);
    if (i != detail::kNil) __builtin_prefetch(&orders_[i]);
  }

  // ---- Inspection (not on the hot path) ----------------------------------

  /// Symbol of the resting order `id`, or kNoSymbol if it is not resting.
  [[nodiscard]] SymbolId resting_symbol(OrderId id) const {
    uint32_t i = find_resting(id);
    return i == detail::kNil ? kNoSymbol : orders_[i].symbol;
  }

  /// f(LevelView) for each level of `side`, best first.
  template <class F>
  void for_each_level(SymbolId symbol, Side side, F&& f) const {
    books_[symbol.value()].side(side).for_each_best_first([&](uint32_t li) {
      const detail::Level& l = levels_[li];
      f(LevelView{l.price, l.total, l.count});
      return true;
    });
  }

  /// f(OrderView) for each resting order of `side`, in priority order.
  template <class F>
  void for_each_order(SymbolId symbol, Side side, F&& f) const {
    books_[symbol.value()].side(side).for_each_best_first([&](uint32_t li) {
      for (uint32_t i = levels_[li].head; i != detail::kNil; i = orders_[i].next) {
        const detail::Order& o = orders_[i];
        f(OrderView{o.id, o.price, o.open, o.account, o.tif, o.stp, o.post_only});
      }
      return true;
    });
  }

 private:
  void next_seq() { seq_ = SeqNo(seq_.value() + 1); }
  void emit(Event e) {
    e.seq = seq_;
    sink_.on_event(e);
  }
  void emit_cancelled(const detail::Order& o, CancelReason why, Qty qty) {
    emit({.id = o.id, .qty = qty, .symbol = o.symbol, .type = EventType::cancelled, .side = o.side, .cancel = why});
  }
  void emit_reject(OrderId id, SymbolId symbol, RejectReason why) {
    emit({.id = id, .symbol = symbol, .type = EventType::rejected, .reject = why});
  }
  void emit_level(SymbolId symbol, Side side, const detail::Level& l) {
    emit({.price = l.price, .qty = l.total, .symbol = symbol, .count = l.count, .type = EventType::book_update,
          .side = side});
  }

  [[nodiscard]] bool known(SymbolId s) const { return s.value() < books_.size(); }

  static bool valid_qty(const SymbolSpec& spec, Qty q) {
    return q >= Qty{1} && q <= spec.max_qty && q.value() % spec.lot.value() == 0;
  }

  /// A tick count <= 0 marked ok (an edge that sends raw ticks) is still invalid.
  static RejectReason price_reject(PriceStatus s, Price p) {
    switch (s) {
      case PriceStatus::ok:
        return p > Price{0} ? RejectReason::none : RejectReason::invalid_price;
      case PriceStatus::off_tick:
        return RejectReason::price_not_on_tick;
      case PriceStatus::absent:
      case PriceStatus::non_positive:
      case PriceStatus::out_of_range:
        break;
    }
    return RejectReason::invalid_price;
  }

  [[nodiscard]] RejectReason check_new(const NewOrder& cmd) const {
    if (ids_.find(cmd.id) != detail::IdTable::kNotFound) return RejectReason::duplicate_id;
    if (!known(cmd.symbol)) return RejectReason::unknown_symbol;
    const detail::Book& book = books_[cmd.symbol.value()];
    if (!valid_qty(book.spec, cmd.qty)) return RejectReason::invalid_qty;
    const bool market = cmd.type == OrderType::market;
    if (market) {
      if (cmd.price_status != PriceStatus::absent) return RejectReason::invalid_price;
    } else if (RejectReason r = price_reject(cmd.price_status, cmd.price); r != RejectReason::none) {
      return r;
    }
    const bool can_rest = cmd.tif == TimeInForce::gtc || cmd.tif == TimeInForce::day;
    if (market && can_rest) return RejectReason::invalid_tif;
    if (cmd.post_only && (market || !can_rest)) return RejectReason::invalid_tif;
    if (cmd.post_only && crosses(book, cmd.side, cmd.type, cmd.price)) return RejectReason::would_cross;
    if (ids_.full() || (can_rest && orders_.full())) return RejectReason::capacity;
    return RejectReason::none;
  }

  static bool acceptable(Side taker_side, OrderType type, Price limit, Price maker_price) {
    if (type == OrderType::market) return true;
    return taker_side == Side::buy ? maker_price <= limit : maker_price >= limit;
  }

  /// Would an order of `side` at `price` trade against the best contra level?
  [[nodiscard]] bool crosses(const detail::Book& book, Side side, OrderType type, Price price) const {
    const detail::BookSide& contra = book.side(opposite(side));
    return !contra.empty() && acceptable(side, type, price, levels_[contra.best()].price);
  }

  static bool rests(const detail::Order& o) {
    return o.type == OrderType::limit && (o.tif == TimeInForce::gtc || o.tif == TimeInForce::day);
  }

  static bool self_trade(const detail::Order& taker, const detail::Order& maker) {
    return taker.stp != StpMode::none && taker.account != kAnonymous && maker.account == taker.account;
  }

  [[nodiscard]] uint32_t find_resting(OrderId id) const {
    uint32_t slot = ids_.find(id);
    if (slot == detail::IdTable::kNotFound) return detail::kNil;
    uint32_t v = ids_.value(slot);
    return detail::IdTable::is_live(v) ? detail::IdTable::pool_index(v) : detail::kNil;
  }

  /// FOK pre-check: quantity the taker could fill, walking the contra side in
  /// priority order without side effects; stops early once `taker.open` is met.
  [[nodiscard]] Qty fillable(const detail::Book& book, const detail::Order& taker) const {
    Qty walked{};
    const bool stp = taker.stp != StpMode::none && taker.account != kAnonymous;
    book.side(opposite(taker.side)).for_each_best_first([&](uint32_t li) {
      const detail::Level& l = levels_[li];
      if (!acceptable(taker.side, taker.type, taker.price, l.price)) return false;
      if (!stp) {
        walked += l.total;
        return walked < taker.open;
      }
      for (uint32_t i = l.head; i != detail::kNil; i = orders_[i].next) {
        const detail::Order& m = orders_[i];
        if (m.account == taker.account) {
          if (taker.stp == StpMode::cancel_maker) continue;
          return false;  // cancel_taker / cancel_both: the walk stops here
        }
        walked += m.open;
        if (walked >= taker.open) return false;
      }
      return true;
    });
    return walked;
  }

  /// Matches `taker` against the contra side. Returns false when self-trade
  /// prevention cancelled the taker (its event already emitted).
  bool match(detail::Book& book, detail::Order& taker) {
    detail::BookSide& contra = book.side(opposite(taker.side));
    while (taker.open > Qty{} && !contra.empty()) {
      uint32_t li = contra.best();
      detail::Level& level = levels_[li];
      if (!acceptable(taker.side, taker.type, taker.price, level.price)) break;
      for (uint32_t i = level.head; i != detail::kNil && taker.open > Qty{};) {
        detail::Order& maker = orders_[i];
        uint32_t next = maker.next;
        if (self_trade(taker, maker)) {
          if (taker.stp != StpMode::cancel_taker) cancel_resting(i, CancelReason::self_trade);
          if (taker.stp != StpMode::cancel_maker) {
            emit_cancelled(taker, CancelReason::self_trade, taker.open);
            taker.open = Qty{};
            return false;
          }
        } else {
          Qty fill = std::min(taker.open, maker.open);
          emit({.id = taker.id, .maker = maker.id, .price = level.price, .qty = fill, .symbol = taker.symbol,
                .type = EventType::trade, .side = taker.side});
          taker.open -= fill;
          if (fill == maker.open) {
            leave_level(i);  // emits the level's book_update
            retire(i);
          } else {
            maker.open -= fill;
            level.total -= fill;
            emit_level(taker.symbol, maker.side, level);
          }
        }
        i = next;
      }
      // leave_level erased the level if it emptied; otherwise the taker is done.
    }
    return true;
  }

  /// Appends resting order `i` (price, open, side already set) to the back of
  /// its level, creating the level if needed, and emits the book_update.
  void rest(uint32_t i) {
    detail::Order& o = orders_[i];
    detail::BookSide& side = books_[o.symbol.value()].side(o.side);
    uint32_t li = side.find(o.price);
    if (li == detail::kNil) {
      li = levels_.acquire();
      levels_[li] = detail::Level{o.price, Qty{}, detail::kNil, detail::kNil, 0};
      side.insert(o.price, li);
    }
    detail::Level& l = levels_[li];
    o.level = li;
    o.next = detail::kNil;
    o.prev = l.tail;
    if (l.tail != detail::kNil) {
      orders_[l.tail].next = i;
    } else {
      l.head = i;
    }
    l.tail = i;
    l.total += o.open;
    ++l.count;
    emit_level(o.symbol, o.side, l);
  }

  /// Unlinks resting order `i` from its level, emits the level's book_update,
  /// and erases the level if it is now empty. The order keeps its pool slot.
  void leave_level(uint32_t i) {
    detail::Order& o = orders_[i];
    detail::Level& l = levels_[o.level];
    if (o.prev != detail::kNil) {
      orders_[o.prev].next = o.next;
    } else {
      l.head = o.next;
    }
    if (o.next != detail::kNil) {
      orders_[o.next].prev = o.prev;
    } else {
      l.tail = o.prev;
    }
    l.total -= o.open;
    --l.count;
    emit_level(o.symbol, o.side, l);
    if (l.count == 0) {
      books_[o.symbol.value()].side(o.side).erase(l.price);
      levels_.release(o.level);
    }
  }

  /// Cancels resting order `i`: its cancelled event, its level's update, gone.
  void cancel_resting(uint32_t i, CancelReason why) {
    emit_cancelled(orders_[i], why, orders_[i].open);
    leave_level(i);
    retire(i);
  }

  /// Order `i` is done (filled or cancelled, already out of its level): its
  /// id stays taken, its slot is freed.
  void retire(uint32_t i) {
    detail::Order& o = orders_[i];
    if (o.tif == TimeInForce::day) day_remove(i);
    ids_.set_value(o.id_slot, detail::IdTable::kDead);
    orders_.release(i);
  }

  void day_append(uint32_t i) {
    detail::Order& o = orders_[i];
    o.day_next = detail::kNil;
    o.day_prev = day_tail_;
    if (day_tail_ != detail::kNil) {
      orders_[day_tail_].day_next = i;
    } else {
      day_head_ = i;
    }
    day_tail_ = i;
  }

  void day_remove(uint32_t i) {
    detail::Order& o = orders_[i];
    if (o.day_prev != detail::kNil) {
      orders_[o.day_prev].day_next = o.day_next;
    } else {
      day_head_ = o.day_next;
    }
    if (o.day_next != detail::kNil) {
      orders_[o.day_next].day_prev = o.day_prev;
    } else {
      day_tail_ = o.day_prev;
    }
  }

  EngineConfig config_;
  Sink& sink_;
  SeqNo seq_{};
  std::vector<detail::Book> books_;
  detail::Pool<detail::Order> orders_;
  detail::Pool<detail::Level> levels_;
  detail::IdTable ids_;
  uint32_t day_head_ = detail::kNil;
  uint32_t day_tail_ = detail::kNil;
};

}  // namespace rialto::engine
