// Test helpers for the engine: readable text for commands and events, book
// snapshots that compare with the reference model's, the book invariants and
// the per-order quantity ledger. Test-only; nothing here is fast.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "model/reference_model.h"
#include "rialto/core/types.h"
#include "rialto/engine/engine.h"

namespace rialto::test {

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

// ---- Commands and events as text -------------------------------------------

struct Expire {};
using Command = std::variant<NewOrder, CancelOrder, ModifyOrder, Expire>;

inline std::string_view to_string(PriceStatus s) {
  switch (s) {
    case PriceStatus::absent:
      return "absent";
    case PriceStatus::ok:
      return "ok";
    case PriceStatus::non_positive:
      return "non_positive";
    case PriceStatus::out_of_range:
      return "out_of_range";
    case PriceStatus::off_tick:
      return "off_tick";
  }
  return "?";
}

inline std::string sym_text(SymbolId s) { return s == kNoSymbol ? "none" : std::to_string(s.value()); }

inline std::string price_text(PriceStatus status, Price p) {
  if (status == PriceStatus::ok) return std::to_string(p.value());
  return std::string(to_string(status));
}

inline std::string describe(const Command& c) {
  std::ostringstream os;
  if (const auto* n = std::get_if<NewOrder>(&c)) {
    os << "new id=" << n->id.value() << " sym=" << sym_text(n->symbol) << " side=" << to_string(n->side)
       << " type=" << to_string(n->type) << " tif=" << to_string(n->tif) << " stp=" << to_string(n->stp)
       << " acct=" << n->account.value() << " qty=" << n->qty.value() << " px=" << price_text(n->price_status, n->price)
       << (n->post_only ? " post_only" : "");
  } else if (const auto* x = std::get_if<CancelOrder>(&c)) {
    os << "cancel id=" << x->id.value();
  } else if (const auto* m = std::get_if<ModifyOrder>(&c)) {
    os << "modify id=" << m->id.value();
    if (m->price_status != PriceStatus::absent) os << " px=" << price_text(m->price_status, m->price);
    if (m->has_qty) os << " qty=" << m->qty.value();
  } else {
    os << "expire";
  }
  return os.str();
}

inline std::string describe(const Event& e) {
  std::ostringstream os;
  os << "#" << e.seq.value() << ' ' << to_string(e.type);
  switch (e.type) {
    case EventType::accepted:
      os << " id=" << e.id.value() << " sym=" << sym_text(e.symbol) << " side=" << to_string(e.side)
         << " type=" << to_string(e.order_type) << " tif=" << to_string(e.tif) << " px=" << e.price.value()
         << " qty=" << e.qty.value();
      break;
    case EventType::rejected:
      os << " id=" << e.id.value() << " sym=" << sym_text(e.symbol) << " reason=" << to_string(e.reject)
         << " command=" << to_string(e.command);
      break;
    case EventType::trade:
      os << " taker=" << e.id.value() << " maker=" << e.maker.value() << " sym=" << sym_text(e.symbol)
         << " side=" << to_string(e.side) << " px=" << e.price.value() << " qty=" << e.qty.value()
         << " match=" << e.match << " leaves=" << e.leaves.value() << " maker_leaves=" << e.maker_leaves.value();
      break;
    case EventType::rested:
      os << " id=" << e.id.value() << " sym=" << sym_text(e.symbol) << " side=" << to_string(e.side)
         << " px=" << e.price.value() << " qty=" << e.qty.value();
      break;
    case EventType::cancelled:
      os << " id=" << e.id.value() << " sym=" << sym_text(e.symbol) << " side=" << to_string(e.side)
         << " px=" << e.price.value() << " reason=" << to_string(e.cancel) << " qty=" << e.qty.value();
      break;
    case EventType::modified:
      os << " id=" << e.id.value() << " sym=" << sym_text(e.symbol) << " side=" << to_string(e.side)
         << " px=" << e.price.value() << " qty=" << e.qty.value() << (e.kept_priority ? " kept_priority" : "");
      break;
    case EventType::book_update:
      os << " sym=" << sym_text(e.symbol) << " side=" << to_string(e.side) << " px=" << e.price.value()
         << " total=" << e.qty.value() << " count=" << e.count;
      break;
  }
  // Fields the type does not use must be zero/default (types.h); show any that are not.
  const Event blank{};
  if (e.type != EventType::trade && e.maker != blank.maker) os << " [maker=" << e.maker.value() << "]";
  if (e.type != EventType::rejected && e.reject != blank.reject) os << " [reject=" << to_string(e.reject) << "]";
  if (e.type != EventType::cancelled && e.cancel != blank.cancel) os << " [cancel=" << to_string(e.cancel) << "]";
  if (e.type != EventType::book_update && e.count != 0) os << " [count=" << e.count << "]";
  if (e.type != EventType::trade && (e.match != 0 || e.leaves != Qty{} || e.maker_leaves != Qty{})) {
    os << " [match=" << e.match << " leaves=" << e.leaves.value() << " maker_leaves=" << e.maker_leaves.value() << "]";
  }
  if (e.type != EventType::rejected && e.command != blank.command) os << " [command=" << to_string(e.command) << "]";
  if (e.type != EventType::accepted && (e.order_type != blank.order_type || e.tif != blank.tif)) {
    os << " [type=" << to_string(e.order_type) << " tif=" << to_string(e.tif) << "]";
  }
  if (e.type != EventType::modified && e.kept_priority) os << " [kept_priority]";
  return os.str();
}

/// Two event streams side by side, the first differing line marked.
inline std::string side_by_side(const std::vector<Event>& engine, const std::vector<Event>& model) {
  std::ostringstream os;
  const size_t n = std::max(engine.size(), model.size());
  bool marked = false;
  for (size_t i = 0; i < n; ++i) {
    const std::string a = i < engine.size() ? describe(engine[i]) : "-";
    const std::string b = i < model.size() ? describe(model[i]) : "-";
    const bool same = i < engine.size() && i < model.size() && engine[i] == model[i];
    os << (same || marked ? "   " : ">> ") << "engine: " << a << "\n"
       << (same || marked ? "   " : ">> ") << "model:  " << b << "\n";
    if (!same) marked = true;
  }
  return os.str();
}

// ---- Sinks and snapshots ---------------------------------------------------

struct EventCollector {
  std::vector<Event> events;
  void on_event(const Event& e) { events.push_back(e); }
};

template <class E>
std::vector<model::LevelSnapshot> engine_levels(const E& engine, SymbolId symbol, Side side) {
  std::vector<model::LevelSnapshot> out;
  engine.for_each_level(symbol, side, [&](const engine::LevelView& l) { out.push_back({l.price, l.total, l.count}); });
  return out;
}

template <class E>
std::vector<model::OrderSnapshot> engine_orders(const E& engine, SymbolId symbol, Side side) {
  std::vector<model::OrderSnapshot> out;
  engine.for_each_order(symbol, side, [&](const engine::OrderView& o) {
    out.push_back({o.id, o.price, o.open, o.account, o.tif, o.stp, o.post_only});
  });
  return out;
}

inline std::string describe_book(const std::vector<model::LevelSnapshot>& levels,
                                 const std::vector<model::OrderSnapshot>& orders) {
  std::ostringstream os;
  for (const auto& l : levels) os << " [" << l.price.value() << ": " << l.total.value() << "/" << l.count << "]";
  os << " |";
  for (const auto& o : orders) {
    os << " " << o.id.value() << "@" << o.price.value() << "x" << o.open.value() << "(a" << o.account.value() << ","
       << to_string(o.tif) << "," << to_string(o.stp) << (o.post_only ? ",po" : "") << ")";
  }
  return os.str();
}

// ---- Invariants ------------------------------------------------------------

/// Checks the engine's books; returns "" or what is wrong.
///  - levels are strictly ordered best first and the book is never crossed at
///    rest (best bid < best ask);
///  - each level's aggregate is the sum of the open quantity of its orders and
///    its count the number of its orders; no level is empty;
///  - every resting order has open > 0 and sits at its level's price;
///  - an order id rests at most once, across all symbols and sides, and
///    find_order() (the id index) returns each resting order as the book has it;
///  - resting_orders() is the number of orders in the books.
template <class E>
std::string check_book_invariants(const E& engine) {
  std::ostringstream err;
  std::set<OrderId> ids;
  uint64_t resting = 0;
  for (uint32_t s = 0; s < engine.symbol_count(); ++s) {
    const SymbolId sym{s};
    for (Side side : {Side::buy, Side::sell}) {
      const auto levels = engine_levels(engine, sym, side);
      const auto orders = engine_orders(engine, sym, side);
      size_t next = 0;
      for (size_t i = 0; i < levels.size(); ++i) {
        const auto& l = levels[i];
        if (i > 0 && (side == Side::buy ? !(l.price < levels[i - 1].price) : !(l.price > levels[i - 1].price))) {
          err << "sym " << s << " " << to_string(side) << ": levels not strictly best-first at " << l.price.value()
              << "\n";
        }
        Qty sum{};
        uint32_t count = 0;
        for (; next < orders.size() && orders[next].price == l.price; ++next) {
          sum += orders[next].open;
          ++count;
        }
        if (count == 0 || sum != l.total || count != l.count) {
          err << "sym " << s << " " << to_string(side) << " level " << l.price.value() << ": total " << l.total.value()
              << " count " << l.count << " but its orders sum to " << sum.value() << " in " << count << "\n";
        }
      }
      if (next != orders.size()) {
        err << "sym " << s << " " << to_string(side) << ": " << orders.size() - next
            << " orders outside any level (or out of priority order)\n";
      }
      for (const auto& o : orders) {
        if (o.open <= Qty{}) err << "order " << o.id.value() << " rests with open " << o.open.value() << "\n";
        if (!ids.insert(o.id).second) err << "order id " << o.id.value() << " rests more than once\n";
        const auto found = engine.find_order(o.id);  // the id index holds exactly the resting orders
        if (!found || found->symbol != sym || found->side != side || found->price != o.price ||
            found->open != o.open) {
          err << "order " << o.id.value() << " rests but find_order() does not return it\n";
        }
      }
      resting += orders.size();
    }
    const auto bids = engine_levels(engine, sym, Side::buy);
    const auto asks = engine_levels(engine, sym, Side::sell);
    if (!bids.empty() && !asks.empty() && !(bids.front().price < asks.front().price)) {
      err << "sym " << s << " crossed at rest: bid " << bids.front().price.value() << " ask "
          << asks.front().price.value() << "\n";
    }
  }
  if (resting != engine.resting_orders()) {
    err << "resting_orders() is " << engine.resting_orders() << " but the books hold " << resting << "\n";
  }
  return err.str();
}

/// Open quantity of every resting order of every symbol, by id.
template <class E>
std::map<OrderId, Qty> resting_open(const E& engine) {
  std::map<OrderId, Qty> out;
  for (uint32_t s = 0; s < engine.symbol_count(); ++s) {
    for (Side side : {Side::buy, Side::sell}) {
      for (const auto& o : engine_orders(engine, SymbolId{s}, side)) out[o.id] += o.open;
    }
  }
  return out;
}

/// Quantity conservation per accepted order, from the event stream and the
/// book alone:
///   qty in  = qty at acceptance + sum over `modified` of (new open - open just
///             before the command, read from the book)
///   qty out = sum of its fills (as taker or maker) + sum of its `cancelled` qty
///   in == out + open now (0 unless it rests).
class QtyLedger {
 public:
  /// Call before each command with the book as it is then.
  void begin(std::map<OrderId, Qty> open_before) { open_before_ = std::move(open_before); }

  /// `qty` is the NewOrder's quantity; call for each `accepted` event.
  void on_event(const Event& e, Qty new_order_qty) {
    switch (e.type) {
      case EventType::accepted:
        in_[e.id] += new_order_qty;
        break;
      case EventType::trade:
        out_[e.id] += e.qty;
        out_[e.maker] += e.qty;
        break;
      case EventType::cancelled:
        out_[e.id] += e.qty;
        break;
      case EventType::modified:
        in_[e.id] += e.qty;
        in_[e.id] += Qty{} - open_before_[e.id];
        break;
      case EventType::rejected:
      case EventType::rested:
      case EventType::book_update:
        break;
    }
  }

  /// Returns "" or every order whose quantity is not conserved.
  std::string check(const std::map<OrderId, Qty>& open_now) const {
    std::ostringstream err;
    for (const auto& [id, in] : in_) {
      const auto o = out_.find(id);
      Sum out = o == out_.end() ? Sum{} : o->second;
      const auto r = open_now.find(id);
      const Qty open = r == open_now.end() ? Qty{} : r->second;
      out += open;
      if (in != out) {
        err << "order " << id.value() << ": qty in " << text(in) << " != out + open " << text(out) << " (open "
            << open.value() << ")\n";
      }
    }
    for (const auto& [id, out] : out_) {
      if (!in_.contains(id)) err << "order " << id.value() << " has qty out " << text(out) << " but never in\n";
    }
    for (const auto& [id, open] : open_now) {
      if (!in_.contains(id)) err << "order " << id.value() << " rests but was never accepted\n";
    }
    return err.str();
  }

 private:
  // Sums over an id's whole history (the engine lets a done id be used again)
  // can pass INT64_MAX with large quantities: 128 bits.
  struct Sum {
    i128 v = 0;
    Sum& operator+=(Qty q) { return v += q.value(), *this; }
    friend bool operator==(const Sum&, const Sum&) = default;
  };
  static std::string text(Sum s) {
    const bool neg = s.v < 0;
    u128 u = neg ? -static_cast<u128>(s.v) : static_cast<u128>(s.v);
    std::string out;
    do {
      out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
      u /= 10;
    } while (u != 0);
    return neg ? "-" + out : out;
  }

  std::map<OrderId, Qty> open_before_;
  std::map<OrderId, Sum> in_;
  std::map<OrderId, Sum> out_;
};

}  // namespace rialto::test
