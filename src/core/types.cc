#include "rialto/core/types.h"

namespace rialto {

std::string_view to_string(Side v) { return v == Side::buy ? "buy" : "sell"; }

std::string_view to_string(OrderType v) { return v == OrderType::limit ? "limit" : "market"; }

std::string_view to_string(TimeInForce v) {
  switch (v) {
    case TimeInForce::gtc: return "gtc";
    case TimeInForce::day: return "day";
    case TimeInForce::ioc: return "ioc";
    case TimeInForce::fok: return "fok";
  }
  return "?";
}

std::string_view to_string(StpMode v) {
  switch (v) {
    case StpMode::none: return "none";
    case StpMode::cancel_taker: return "cancel_taker";
    case StpMode::cancel_maker: return "cancel_maker";
    case StpMode::cancel_both: return "cancel_both";
  }
  return "?";
}

std::string_view to_string(RejectReason v) {
  switch (v) {
    case RejectReason::none: return "none";
    case RejectReason::duplicate_id: return "duplicate_id";
    case RejectReason::unknown_symbol: return "unknown_symbol";
    case RejectReason::invalid_qty: return "invalid_qty";
    case RejectReason::invalid_price: return "invalid_price";
    case RejectReason::price_not_on_tick: return "price_not_on_tick";
    case RejectReason::invalid_tif: return "invalid_tif";
    case RejectReason::would_cross: return "would_cross";
    case RejectReason::unknown_order: return "unknown_order";
    case RejectReason::halted: return "halted";
    case RejectReason::capacity: return "capacity";
  }
  return "?";
}

std::string_view to_string(CancelReason v) {
  switch (v) {
    case CancelReason::none: return "none";
    case CancelReason::user: return "user";
    case CancelReason::remainder: return "remainder";
    case CancelReason::unfilled: return "unfilled";
    case CancelReason::self_trade: return "self_trade";
    case CancelReason::expired: return "expired";
  }
  return "?";
}

std::string_view to_string(EventType v) {
  switch (v) {
    case EventType::accepted: return "accepted";
    case EventType::rejected: return "rejected";
    case EventType::trade: return "trade";
    case EventType::cancelled: return "cancelled";
    case EventType::modified: return "modified";
    case EventType::rested: return "rested";
    case EventType::book_update: return "book_update";
  }
  return "?";
}

std::string_view to_string(CommandType v) {
  switch (v) {
    case CommandType::none: return "none";
    case CommandType::new_order: return "new";
    case CommandType::cancel: return "cancel";
    case CommandType::modify: return "modify";
  }
  return "?";
}

}  // namespace rialto
