// The matching engine: one limit order book per symbol, price-time priority,
// the exact semantics of docs/SEMANTICS.md.
//
// Thread safety: none. One thread owns an Engine (single writer); it is
// deterministic: the same commands give the same events, always.
//
// Errors: never throws, never does I/O (the build compiles every engine
// header with -fno-exceptions). Business outcomes are events: a command that
// breaks a rule or would exceed a configured limit is rejected with a
// RejectReason, never a crash. A broken precondition of a method is a bug in
// the caller and is asserted in debug builds.
//
// Memory: fixed at construction by EngineConfig — the order and level pools
// and the id index are sized by max_orders, so memory is bounded by the
// number of resting orders the venue allows, never by the number of orders
// ever accepted. After construction nothing allocates except add_symbol()
// and a book side that holds more price levels than it ever did (see
// detail/book_side.h; counted by ladder_growths()).
//
// Identity (ADR docs/adr/0005-order-identity.md): an OrderId is the edge's
// (the gateway mints them; a script names them). The engine indexes resting
// orders only, in a SipHash-keyed table; `duplicate_id` means "the id of a
// resting order". Rules over ids beyond that (a script's lifetime
// duplicate_id) belong to the edge, which can sequence its own rejects
// through reject().
//
// Invariants (between commands; tests/engine/invariants.h checks each one
// after every command of the differential tests):
//   - each book side's levels are strictly ordered best first, and no book is
//     crossed at rest (best bid < best ask);
//   - each level's aggregate is the sum of its orders' open quantity, and its
//     count is the number of its orders; no level is empty;
//   - every resting order has open > 0 and rests at its level's price;
//   - an order id rests at most once, across all symbols and sides, and the
//     id index holds exactly the resting orders;
//   - resting_orders() is the number of orders in the books;
//   - every sum of quantities fits int64: max_qty x max_orders <= INT64_MAX
//     for every symbol (check_symbol() refuses anything else).
//
// Data layout (ADR docs/adr/0002-book-layout.md):
//   Order   64-byte pool entry: FIFO links within its level, DAY-list links,
//           level index, the low bits of its id's hash.
//   Level   pool entry: price, aggregate qty, order count, FIFO head/tail.
//   BookSide sorted contiguous price ladder per side, best at the back.
//   IdIndex open-addressing OrderId -> resting order, one for the engine.
//   DAY list intrusive list of resting DAY orders in acceptance order.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "rialto/core/types.h"
#include "rialto/engine/detail/book_side.h"
#include "rialto/engine/detail/id_index.h"
#include "rialto/engine/detail/pool.h"

namespace rialto::engine {

/// The key of the id index's hash. The default is public: an edge that takes
/// order ids from untrusted clients sets a secret, random one.
using IdKey = detail::SipKey;
inline constexpr IdKey kDefaultIdKey{0x7269616c746f2d69ULL, 0x642d696e6465782dULL};

struct SymbolSpec {
  Qty lot{1};
  Qty max_qty{1'000'000'000};
};

struct EngineConfig {
  uint32_t max_orders = 1u << 20;  // resting orders, all symbols together (<= 2^31)
  uint32_t max_symbols = 1u << 16;
  uint32_t levels_reserved_per_side = 64;  // price levels each book side holds before it grows
  bool prefault = false;  // touch every table page at construction (no page faults while matching)
  IdKey id_key = kDefaultIdKey;
};

struct LevelView {
  Price price;
  Qty total;
  uint32_t count;
};

struct OrderView {
  OrderId id;
  SymbolId symbol;
  Side side;
  Price price;
  Qty open;
  AccountId account;
  TimeInForce tif;
  StpMode stp;
  bool post_only;
  uint64_t tag = 0;  // NewOrder::tag
  Qty filled{};      // executed so far (over its whole life, modifies included)
};

/// What else a snapshot needs to restore an engine exactly (engine_snapshot
/// tests: a restored engine answers every later command as the original).
struct EngineCounters {
  SeqNo seq{};           // the last command's sequence number
  uint64_t matches = 0;  // the last match number
};

namespace detail {

/// Per resting order, beside the one-cache-line Order (read only on fills,
/// snapshots and queries).
struct OrderNote {
  uint64_t tag;
  Qty filled;
};

struct Order {
  OrderId id;
  Qty open;
  Price price;        // 0 for a market order (which never rests)
  uint32_t prev;      // FIFO within the level
  uint32_t next;
  uint32_t day_prev;  // DAY expiry list (acceptance order)
  uint32_t day_next;
  uint32_t level;     // level pool index
  uint32_t id_hash;   // IdIndex::hash32(id): its slot without rehashing
  AccountId account;
  SymbolId symbol;
  Side side;
  OrderType type;
  TimeInForce tif;
  StpMode stp;
  bool post_only;
};
static_assert(sizeof(Order) == 64, "an order is one cache line");
static_assert(std::is_trivially_copyable_v<Order>);

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
        ids_(config.max_orders, config.id_key, config.prefault),
        notes_(config.max_orders, config.prefault) {
    assert(config.max_orders >= 1 && config.max_orders <= detail::IdIndex::kMaxLive);
    books_.reserve(std::min<uint32_t>(config.max_symbols, 1024));
  }

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// False if the tables could not be mapped at construction; nothing else
  /// may be called then. The edge reports it (the sizes are configuration).
  [[nodiscard]] bool ok() const { return orders_.ok() && levels_.ok() && ids_.ok(); }

  /// The largest max_qty a symbol may have when `max_orders` orders can rest:
  /// a level's total and the FOK walk are sums of up to max_orders quantities.
  [[nodiscard]] static constexpr int64_t max_qty_limit(uint32_t max_orders) {
    return std::numeric_limits<int64_t>::max() / std::max<int64_t>(max_orders, 1);
  }

  /// Why add_symbol(spec) would refuse `spec`, or SymbolError::none.
  [[nodiscard]] SymbolError check_symbol(const SymbolSpec& spec) const {
    if (books_.size() >= config_.max_symbols) return SymbolError::too_many_symbols;
    if (spec.lot < Qty{1}) return SymbolError::invalid_lot;
    if (spec.max_qty < Qty{1}) return SymbolError::invalid_max_qty;
    if (spec.max_qty.value() > max_qty_limit(config_.max_orders)) return SymbolError::qty_overflow;
    return SymbolError::none;
  }

  /// Defines the next symbol; returns its id, or kNoSymbol when check_symbol
  /// refuses it. Not a command: takes no sequence number. May allocate.
  SymbolId add_symbol(const SymbolSpec& spec) {
    if (check_symbol(spec) != SymbolError::none) return kNoSymbol;
    books_.push_back(detail::Book{spec, detail::BookSide(Side::buy, config_.levels_reserved_per_side),
                                  detail::BookSide(Side::sell, config_.levels_reserved_per_side)});
    return SymbolId(static_cast<uint32_t>(books_.size() - 1));
  }

  [[nodiscard]] uint32_t symbol_count() const { return static_cast<uint32_t>(books_.size()); }
  [[nodiscard]] SeqNo last_seq() const { return seq_; }
  [[nodiscard]] uint32_t resting_orders() const { return orders_.live(); }
  [[nodiscard]] const EngineConfig& config() const { return config_; }
  /// Times a book side grew its level arrays beyond levels_reserved_per_side.
  [[nodiscard]] uint64_t ladder_growths() const { return ladder_growths_; }

  // ---- Commands ----------------------------------------------------------

  void submit(const NewOrder& cmd) {
    next_seq();
    const uint32_t h = ids_.hash32(cmd.id);
    RejectReason why = check_new(cmd, h);
    if (why != RejectReason::none) return reject_new(cmd, why);
    detail::Book& book = books_[cmd.symbol.value()];
    detail::Order taker{};
    taker.id = cmd.id;
    taker.open = cmd.qty;
    taker.price = cmd.type == OrderType::limit ? cmd.price : Price{};
    taker.id_hash = h;
    taker.account = cmd.account;
    taker.symbol = cmd.symbol;
    taker.side = cmd.side;
    taker.type = cmd.type;
    taker.tif = cmd.tif;
    taker.stp = cmd.stp;
    taker.post_only = cmd.post_only;
    emit({.id = cmd.id, .price = taker.price, .qty = cmd.qty, .symbol = cmd.symbol, .type = EventType::accepted,
          .side = cmd.side, .order_type = cmd.type, .tif = cmd.tif});

    if (cmd.tif == TimeInForce::fok && fillable(book, taker) < taker.open) {
      emit_cancelled(taker, CancelReason::unfilled, taker.open);
      return;
    }
    if (!match(book, taker)) return;  // cancelled by self-trade prevention
    if (taker.open == Qty{}) return;
    if (rests(taker)) {
      uint32_t i = orders_.acquire();
      orders_[i] = taker;
      notes_[i] = detail::OrderNote{cmd.tag, cmd.qty - taker.open};
      ids_.insert(taker.id, h, i);
      if (taker.tif == TimeInForce::day) day_append(i);
      rest(i);
    } else {
      emit_cancelled(taker, CancelReason::remainder, taker.open);
    }
  }

  void cancel(const CancelOrder& cmd) {
    next_seq();
    uint32_t i = find_resting(cmd.id);
    if (i == detail::kNil) return emit_reject(cmd.id, kNoSymbol, RejectReason::unknown_order, CommandType::cancel);
    cancel_resting(i, CancelReason::user);
  }

  void modify(const ModifyOrder& cmd) {
    next_seq();
    uint32_t i = find_resting(cmd.id);
    if (i == detail::kNil) return emit_reject(cmd.id, kNoSymbol, RejectReason::unknown_order, CommandType::modify);
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
    if (why != RejectReason::none) return emit_reject(cmd.id, o.symbol, why, CommandType::modify);

    if (new_price == o.price && new_open <= o.open) {
      Qty removed = o.open - new_open;
      o.open = new_open;
      emit({.id = o.id, .price = o.price, .qty = o.open, .symbol = o.symbol, .type = EventType::modified,
            .side = o.side, .kept_priority = true});
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
    if (!match(books_[o.symbol.value()], o, i) || o.open == Qty{}) {
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

  /// The reason submit(cmd) would reject `cmd` with now, or none if it would
  /// be accepted. Changes nothing.
  [[nodiscard]] RejectReason check(const NewOrder& cmd) const { return check_new(cmd, ids_.hash32(cmd.id)); }

  /// Rejects `cmd` for a rule the edge enforces (a script's lifetime
  /// duplicate_id, its id capacity): sequenced and emitted exactly as the
  /// engine's own reject of a new order would be. Nothing else changes.
  void reject(const NewOrder& cmd, RejectReason why) {
    assert(why != RejectReason::none);
    next_seq();
    reject_new(cmd, why);
  }

  // ---- Snapshots -------------------------------------------------------------
  // Export: symbol_spec() of each symbol, for_each_order() of each side (priority
  // order), for_each_day_order(), counters(). Restore into a fresh engine with
  // the same configuration: add_symbol() each spec in order, restore_order()
  // each order in priority order, restore_day_order() each day order oldest
  // first, restore_counters(). Nothing is emitted; later commands then give
  // exactly the events the original would have given.

  [[nodiscard]] EngineCounters counters() const { return {seq_, matches_}; }
  [[nodiscard]] const SymbolSpec& symbol_spec(SymbolId symbol) const { return book(symbol).spec; }

  /// f(OrderId) for each resting DAY order, oldest accepted first (the order
  /// expire() cancels them in).
  template <class F>
  void for_each_day_order(F&& f) const {
    for (uint32_t i = day_head_; i != detail::kNil; i = orders_[i].day_next) f(orders_[i].id);
  }

  void restore_counters(const EngineCounters& c) {
    seq_ = c.seq;
    matches_ = c.matches;
  }

  /// Rests `v` at the back of its level. False (and nothing changes) when it
  /// could not have rested: unknown symbol, id already resting, no room,
  /// quantity or price invalid for the symbol, or a tif that does not rest.
  [[nodiscard]] bool restore_order(const OrderView& v) {
    if (!known(v.symbol) || orders_.full() || v.price <= Price{0} || v.filled < Qty{}) return false;
    if (v.tif != TimeInForce::gtc && v.tif != TimeInForce::day) return false;
    if (!valid_qty(books_[v.symbol.value()].spec, v.open)) return false;
    const uint32_t h = ids_.hash32(v.id);
    if (ids_.find(v.id, h) != detail::IdIndex::kNotFound) return false;
    const uint32_t i = orders_.acquire();
    detail::Order& o = orders_[i];
    o = detail::Order{};
    o.id = v.id;
    o.open = v.open;
    o.price = v.price;
    o.day_prev = o.day_next = detail::kNil;
    o.id_hash = h;
    o.account = v.account;
    o.symbol = v.symbol;
    o.side = v.side;
    o.type = OrderType::limit;
    o.tif = v.tif;
    o.stp = v.stp;
    o.post_only = v.post_only;
    notes_[i] = detail::OrderNote{v.tag, v.filled};
    ids_.insert(v.id, h, i);
    link(i);
    return true;
  }

  /// Appends restored DAY order `id` to the expiry list. False if it is not a
  /// resting day order or is already on the list.
  [[nodiscard]] bool restore_day_order(OrderId id) {
    const uint32_t i = find_resting(id);
    if (i == detail::kNil || orders_[i].tif != TimeInForce::day) return false;
    if (orders_[i].day_prev != detail::kNil || day_head_ == i) return false;
    day_append(i);
    return true;
  }

  // ---- Prefetch hints -------------------------------------------------------
  // A driver holding a backlog of commands (a replay, a drained input queue)
  // can hide memory latency by announcing commands before it submits them:
  // prefetch_id() a few commands ahead (loads the id index line), then
  // prefetch_order() a few commands later (reads that line, loads the order).
  // Hints never change a result; a wrong or missing hint only costs speed.

  void prefetch_id(OrderId id) const { ids_.prefetch(id); }

  void prefetch_order(OrderId id) const {
    uint32_t i = find_resting(id);
    if (i != detail::kNil) __builtin_prefetch(&orders_[i]);
  }

  // ---- Queries -----------------------------------------------------------
  // Preconditions: `symbol` is defined (symbol.value() < symbol_count()).

  /// The resting order `id`, or nullopt. O(1) expected; the worst case is
  /// in detail/id_index.h.
  [[nodiscard]] std::optional<OrderView> find_order(OrderId id) const {
    uint32_t i = find_resting(id);
    if (i == detail::kNil) return std::nullopt;
    return view_order(i);
  }

  /// The best level of one side, or nullopt if the side is empty. O(1).
  [[nodiscard]] std::optional<LevelView> best(SymbolId symbol, Side side) const {
    const detail::BookSide& s = book(symbol).side(side);
    if (s.empty()) return std::nullopt;
    return view(levels_[s.best()]);
  }

  /// Fills `out` with the best out.size() levels of one side, best first;
  /// returns how many it filled. O(out.size()).
  size_t depth(SymbolId symbol, Side side, std::span<LevelView> out) const {
    size_t n = 0;
    book(symbol).side(side).for_each_best_first([&](uint32_t li) {
      if (n == out.size()) return false;
      out[n++] = view(levels_[li]);
      return n < out.size();
    });
    return n;
  }

  /// f(LevelView) for each level of `side`, best first; stops early when f
  /// returns false (f may also return void: every level).
  template <class F>
  void for_each_level(SymbolId symbol, Side side, F&& f) const {
    book(symbol).side(side).for_each_best_first([&](uint32_t li) { return call(f, view(levels_[li])); });
  }

  /// f(OrderView) for each resting order of `side`, in priority order; stops
  /// early when f returns false (f may also return void).
  template <class F>
  void for_each_order(SymbolId symbol, Side side, F&& f) const {
    book(symbol).side(side).for_each_best_first([&](uint32_t li) {
      for (uint32_t i = levels_[li].head; i != detail::kNil; i = orders_[i].next) {
        if (!call(f, view_order(i))) return false;
      }
      return true;
    });
  }

 private:
  template <class F, class V>
  static bool call(F& f, const V& v) {
    if constexpr (std::is_void_v<std::invoke_result_t<F&, const V&>>) {
      f(v);
      return true;
    } else {
      return static_cast<bool>(f(v));
    }
  }

  static LevelView view(const detail::Level& l) { return LevelView{l.price, l.total, l.count}; }
  OrderView view_order(uint32_t i) const {
    const detail::Order& o = orders_[i];
    const detail::OrderNote& n = notes_[i];
    return OrderView{o.id, o.symbol, o.side, o.price, o.open, o.account, o.tif, o.stp, o.post_only, n.tag, n.filled};
  }

  const detail::Book& book(SymbolId symbol) const {
    assert(known(symbol));
    return books_[symbol.value()];
  }

  void next_seq() { seq_ = SeqNo(seq_.value() + 1); }
  void emit(Event e) {
    e.seq = seq_;
    sink_.on_event(e);
  }
  void emit_cancelled(const detail::Order& o, CancelReason why, Qty qty) {
    emit({.id = o.id, .price = o.price, .qty = qty, .symbol = o.symbol, .type = EventType::cancelled, .side = o.side,
          .cancel = why});
  }
  void emit_reject(OrderId id, SymbolId symbol, RejectReason why, CommandType command) {
    emit({.id = id, .symbol = symbol, .type = EventType::rejected, .reject = why, .command = command});
  }
  void reject_new(const NewOrder& cmd, RejectReason why) {
    emit_reject(cmd.id, known(cmd.symbol) ? cmd.symbol : kNoSymbol, why, CommandType::new_order);
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

  [[nodiscard]] RejectReason check_new(const NewOrder& cmd, uint32_t h) const {
    if (ids_.find(cmd.id, h) != detail::IdIndex::kNotFound) return RejectReason::duplicate_id;
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
    if (can_rest && orders_.full()) return RejectReason::capacity;
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
    uint32_t i = ids_.find(id, ids_.hash32(id));
    return i == detail::IdIndex::kNotFound ? detail::kNil : i;
  }

  /// FOK pre-check: quantity the taker could fill, walking the contra side in
  /// priority order without side effects; stops early once `taker.open` is
  /// met. The sum stays below taker.open + one level's total <= max_qty x
  /// max_orders, which check_symbol() keeps within int64.
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
  /// `taker_slot`: the taker's pool slot when it is a modified resting order
  /// (its fills count in its note), else kNil.
  bool match(detail::Book& book, detail::Order& taker, uint32_t taker_slot = detail::kNil) {
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
          taker.open -= fill;
          emit({.id = taker.id, .maker = maker.id, .match = ++matches_, .price = level.price, .qty = fill,
                .leaves = taker.open, .maker_leaves = maker.open - fill, .symbol = taker.symbol,
                .type = EventType::trade, .side = taker.side});
          notes_[i].filled += fill;
          if (taker_slot != detail::kNil) notes_[taker_slot].filled += fill;
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
  /// its level, creating the level if needed; emits `rested`, then the
  /// level's book_update.
  void rest(uint32_t i) {
    detail::Level& l = link(i);
    const detail::Order& o = orders_[i];
    emit({.id = o.id, .price = o.price, .qty = o.open, .symbol = o.symbol, .type = EventType::rested,
          .side = o.side});
    emit_level(o.symbol, o.side, l);
  }

  /// Appends order `i` to the back of its level (created if needed); no events.
  detail::Level& link(uint32_t i) {
    detail::Order& o = orders_[i];
    detail::BookSide& side = books_[o.symbol.value()].side(o.side);
    uint32_t li = side.find(o.price);
    if (li == detail::kNil) {
      li = levels_.acquire();
      levels_[li] = detail::Level{o.price, Qty{}, detail::kNil, detail::kNil, 0};
      if (side.insert(o.price, li)) ++ladder_growths_;
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
    return l;
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
  /// id leaves the index and its slot is freed.
  void retire(uint32_t i) {
    detail::Order& o = orders_[i];
    if (o.tif == TimeInForce::day) day_remove(i);
    ids_.erase(o.id, o.id_hash);
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
  uint64_t matches_ = 0;
  uint64_t ladder_growths_ = 0;
  std::vector<detail::Book> books_;
  detail::Pool<detail::Order> orders_;
  detail::Pool<detail::Level> levels_;
  detail::IdIndex ids_;
  detail::ZeroedArray<detail::OrderNote> notes_;  // by pool slot
  uint32_t day_head_ = detail::kNil;
  uint32_t day_tail_ = detail::kNil;
};

}  // namespace rialto::engine
