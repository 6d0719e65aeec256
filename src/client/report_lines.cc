#include "rialto/client/report_lines.h"

#include <algorithm>
#include <string>

#include "rialto/core/decimal.h"

namespace rialto::client {

namespace p = rialto::protocol;

std::string_view to_string(p::ExecType t) {
  switch (t) {
    case p::ExecType::new_order: return "new";
    case p::ExecType::partially_filled: return "partially_filled";
    case p::ExecType::filled: return "filled";
    case p::ExecType::cancelled: return "cancelled";
    case p::ExecType::replaced: return "replaced";
    case p::ExecType::rejected: return "rejected";
  }
  return "unknown";
}

std::string_view to_string(p::RejectCode c) {
  switch (c) {
    case p::RejectCode::throttled: return "throttled";
    case p::RejectCode::not_authorized: return "not_authorized";
    case p::RejectCode::invalid_field: return "invalid_field";
    default: break;
  }
  if (static_cast<uint8_t>(c) <= static_cast<uint8_t>(RejectReason::halted)) {
    return rialto::to_string(static_cast<RejectReason>(c));  // the engine's reasons, same values
  }
  return "unknown";
}

std::string_view to_string(p::InstrumentStatus s) {
  switch (s) {
    case p::InstrumentStatus::added: return "added";
    case p::InstrumentStatus::unchanged: return "unchanged";
    case p::InstrumentStatus::conflict: return "conflict";
    case p::InstrumentStatus::too_many_symbols: return "too_many_symbols";
    case p::InstrumentStatus::invalid_lot: return "invalid_lot";
    case p::InstrumentStatus::invalid_max_qty: return "invalid_max_qty";
    case p::InstrumentStatus::qty_overflow: return "qty_overflow";
    case p::InstrumentStatus::invalid_tick: return "invalid_tick";
    case p::InstrumentStatus::not_authorized: return "not_authorized";
    case p::InstrumentStatus::invalid_symbol: return "invalid_symbol";
    case p::InstrumentStatus::halted: return "halted";
  }
  return "unknown";
}

std::string format_wire(int64_t mantissa, int8_t exponent) {
  if (mantissa == p::kNullInt64) return "null";
  const bool negative = mantissa < 0;
  // The magnitude as unsigned, so that INT64_MIN + 1 .. INT64_MAX all work.
  uint64_t mag = negative ? uint64_t{0} - static_cast<uint64_t>(mantissa) : static_cast<uint64_t>(mantissa);
  std::string digits = std::to_string(mag);
  if (exponent >= 0) {
    if (mag != 0) digits.append(static_cast<size_t>(exponent), '0');
  } else {
    const size_t decimals = static_cast<size_t>(-int{exponent});
    if (digits.size() <= decimals) digits.insert(0, decimals - digits.size() + 1, '0');
    digits.insert(digits.size() - decimals, 1, '.');
  }
  return negative ? "-" + digits : digits;
}

std::string format_report(const p::ExecutionReport& r) {
  const auto type = static_cast<p::ExecType>(r.exec_type);
  std::string out = "report exec=";
  out += to_string(type);
  out += " id=" + std::to_string(r.cl_ord_id);
  if (r.order_id != 0) out += " order=" + std::to_string(r.order_id);
  switch (type) {
    case p::ExecType::new_order:
      out += " sym=" + std::string(p::field_view(r.symbol));
      out += std::string(" side=") + (r.side == 0 ? "buy" : "sell");
      out += " px=" + format_wire(r.price, r.price_exponent);
      out += " qty=" + std::to_string(r.qty);
      break;
    case p::ExecType::partially_filled:
    case p::ExecType::filled:
      out += " px=" + format_wire(r.last_px, r.price_exponent);
      out += " qty=" + std::to_string(r.last_qty);
      out += " leaves=" + std::to_string(r.leaves_qty);
      out += " cum=" + std::to_string(r.cum_qty);
      out += " match=" + std::to_string(r.match_id);
      if (r.flags & p::kFlagAggressor) out += " aggressor";
      break;
    case p::ExecType::cancelled:
      out += " reason=";
      out += r.cancel_reason <= static_cast<uint8_t>(CancelReason::expired)
                 ? rialto::to_string(static_cast<CancelReason>(r.cancel_reason))
                 : std::string_view("unknown");
      out += " qty=" + std::to_string(r.qty);
      break;
    case p::ExecType::replaced:
      out += " px=" + format_wire(r.price, r.price_exponent);
      out += " qty=" + std::to_string(r.qty);
      if (r.flags & p::kFlagKeptPriority) out += " kept_priority";
      break;
    case p::ExecType::rejected:
      out += " reason=";
      out += to_string(static_cast<p::RejectCode>(r.reject_reason));
      out += " command=";
      out += r.command <= static_cast<uint8_t>(CommandType::modify)
                 ? rialto::to_string(static_cast<CommandType>(r.command))
                 : std::string_view("unknown");
      break;
  }
  out += " seq=" + std::to_string(r.engine_seq);
  return out;
}

namespace {

bool is_fill(const p::ExecutionReport& r) {
  return r.exec_type == static_cast<uint8_t>(p::ExecType::partially_filled) ||
         r.exec_type == static_cast<uint8_t>(p::ExecType::filled);
}

std::string id_text(const p::ExecutionReport& r) { return "report for id=" + std::to_string(r.cl_ord_id); }

/// The report's symbol among the script's, and `mantissa` in its ticks.
bool price_of(const p::ExecutionReport& r, int64_t mantissa, const script::SymbolTable& symbols, Event& e,
              std::string& error) {
  const std::string_view name = p::field_view(r.symbol);
  std::optional<SymbolId> s = symbols.find(name);
  if (!s) {
    error = id_text(r) + " names symbol '" + std::string(name) + "', which the script did not define";
    return false;
  }
  TickConversion c = to_ticks(WireDecimal{mantissa, r.price_exponent}, symbols.tick(*s));
  if (c.status != PriceStatus::ok) {
    error =
        id_text(r) + " has price " + format_wire(mantissa, r.price_exponent) + ", not a price of " + std::string(name);
    return false;
  }
  e.symbol = *s;
  e.price = c.ticks;
  return true;
}

}  // namespace

std::optional<Event> to_event(const p::ExecutionReport& r, const script::SymbolTable& symbols, std::string& error) {
  Event e;
  e.seq = SeqNo(r.engine_seq);
  e.id = OrderId(r.cl_ord_id);
  switch (static_cast<p::ExecType>(r.exec_type)) {
    case p::ExecType::new_order: e.type = EventType::accepted; return e;
    case p::ExecType::rejected:
      e.type = EventType::rejected;
      if (r.reject_reason == 0 || r.reject_reason > static_cast<uint8_t>(RejectReason::halted)) {
        error = "the venue rejected id=" + std::to_string(r.cl_ord_id) + ": " +
                std::string(to_string(static_cast<p::RejectCode>(r.reject_reason)));
        return std::nullopt;
      }
      e.reject = static_cast<RejectReason>(r.reject_reason);
      e.command = r.command <= static_cast<uint8_t>(CommandType::modify) ? static_cast<CommandType>(r.command)
                                                                         : CommandType::none;
      return e;
    case p::ExecType::partially_filled:
    case p::ExecType::filled:
      e.type = EventType::trade;
      e.qty = Qty(r.last_qty);
      e.leaves = Qty(r.leaves_qty);
      e.match = r.match_id;
      if (!price_of(r, r.last_px, symbols, e, error)) return std::nullopt;
      return e;
    case p::ExecType::cancelled:
      e.type = EventType::cancelled;
      if (r.cancel_reason == 0 || r.cancel_reason > static_cast<uint8_t>(CancelReason::expired)) {
        error = id_text(r) + " has cancel reason " + std::to_string(r.cancel_reason);
        return std::nullopt;
      }
      e.cancel = static_cast<CancelReason>(r.cancel_reason);
      e.qty = Qty(r.qty);
      return e;
    case p::ExecType::replaced:
      e.type = EventType::modified;
      e.qty = Qty(r.qty);
      e.kept_priority = (r.flags & p::kFlagKeptPriority) != 0;
      if (!price_of(r, r.price, symbols, e, error)) return std::nullopt;
      return e;
  }
  error = id_text(r) + " has exec type " + std::to_string(r.exec_type);
  return std::nullopt;
}

bool InputReports::emit(const script::SymbolTable& symbols, script::TextSink& sink, std::string& error) {
  order_.clear();
  for (size_t i = 0; i < reports_.size(); ++i) order_.push_back(i);
  std::stable_sort(order_.begin(), order_.end(), [&](size_t a, size_t b) {
    const auto& x = reports_[a];
    const auto& y = reports_[b];
    if (x.engine_seq != y.engine_seq) return x.engine_seq < y.engine_seq;
    return x.event_index < y.event_index;
  });
  bool ok = true;
  for (size_t k = 0; k < order_.size() && ok; ++k) {
    const p::ExecutionReport& r = reports_[order_[k]];
    std::optional<Event> e = to_event(r, symbols, error);
    if (!e) {
      ok = false;
      break;
    }
    if (e->type != EventType::trade) {
      sink.on_event(*e);
      continue;
    }
    // The other side: the next report of the same event with the same match.
    size_t j = k + 1;
    while (j < order_.size()) {
      const p::ExecutionReport& o = reports_[order_[j]];
      if (o.engine_seq != r.engine_seq || o.event_index != r.event_index) {
        j = order_.size();
        break;
      }
      if (is_fill(o) && o.match_id == r.match_id) break;
      ++j;
    }
    if (j >= order_.size()) {
      error = "trade match=" + std::to_string(r.match_id) + " of id=" + std::to_string(r.cl_ord_id) +
              ": the other side's report did not arrive (its order is not one of this client's)";
      ok = false;
      break;
    }
    const p::ExecutionReport& o = reports_[order_[j]];
    const bool r_taker = (r.flags & p::kFlagAggressor) != 0;
    const bool o_taker = (o.flags & p::kFlagAggressor) != 0;
    if (r_taker == o_taker) {
      error = "trade match=" + std::to_string(r.match_id) + ": " + (r_taker ? "both" : "neither") +
              " of its reports has the aggressor flag";
      ok = false;
      break;
    }
    const p::ExecutionReport& taker = r_taker ? r : o;
    const p::ExecutionReport& maker = r_taker ? o : r;
    Event t = *e;
    t.id = OrderId(taker.cl_ord_id);
    t.maker = OrderId(maker.cl_ord_id);
    t.leaves = Qty(taker.leaves_qty);
    t.maker_leaves = Qty(maker.leaves_qty);
    sink.on_event(t);
    // Drop the partner from the order so it is not printed again.
    order_.erase(order_.begin() + static_cast<std::ptrdiff_t>(j));
  }
  reports_.clear();
  return ok;
}

}  // namespace rialto::client
